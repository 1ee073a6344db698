import type { PublicContext } from "../context";
import { confirmationState } from "./shared";
import { findByToken, linkView, type LinkConfirmationView } from "./views";

/**
 * What the email link's page shows (GET). Read-only: mail scanners prefetch links, so looking
 * never confirms anything. null = no such link (the page answers 404).
 */
export async function getLinkConfirmation({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: { token: string };
}): Promise<LinkConfirmationView | null> {
  const row = await findByToken(ctx.db, input.token);
  if (!row) return null;
  const state = confirmationState(row, ctx.now());
  return linkView(ctx.db, row, state === "open" ? "pending" : state === "confirmed" ? "confirmed" : "expired");
}
