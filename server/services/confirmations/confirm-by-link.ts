import { and, eq, gt, isNull } from "drizzle-orm";
import { consentConfirmations } from "@/db/schema";
import type { RequestEvidence } from "@/server/lib/client-address";
import { inTransaction, type PublicContext } from "../context";
import { closeConfirmation, confirmationState, contextFor, recordConfirmedConsent } from "./shared";
import { findByToken, linkView, type LinkConfirmationView } from "./views";

export interface TConfirmByLinkInput {
  /** The token from the emailed link. */
  token: string;
  /** The confirming request's ip and user agent, added to the ledger evidence. */
  meta?: RequestEvidence;
}

export interface ConfirmResult extends LinkConfirmationView {
  /** True only for the call that confirmed; a repeat answers `confirmed` with `changed: false`. */
  changed: boolean;
}

/**
 * Confirms the request behind an email link (the page's button POSTs here). Idempotent: a second
 * click answers "already confirmed" and records nothing; the conditional update lets exactly one
 * concurrent click win. An expired link confirms nothing (and closes the request with an
 * `expired` event if the nightly job has not yet). On success the `confirmed` ledger event carries
 * the original request's evidence plus the confirming click's ip and user agent.
 * Audited as the contact. null = no such link.
 */
export async function confirmByLink({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: TConfirmByLinkInput;
}): Promise<ConfirmResult | null> {
  const { token, meta = {} } = input;
  const row = await findByToken(ctx.db, token);
  if (!row) return null;
  const svc = contextFor(ctx, row, { type: "contact", contactId: row.contactId });
  const outcome = await inTransaction(ctx.db, async (tx) => {
    const now = ctx.now();
    const [won] = await tx
      .update(consentConfirmations)
      .set({ confirmedAt: now })
      .where(
        and(
          eq(consentConfirmations.id, row.id),
          isNull(consentConfirmations.confirmedAt),
          isNull(consentConfirmations.closedAt),
          gt(consentConfirmations.expiresAt, now),
        ),
      )
      .returning();
    if (won) {
      await recordConfirmedConsent(tx, svc, won, meta);
      return { status: "confirmed" as const, changed: true };
    }
    const [current] = await tx.select().from(consentConfirmations).where(eq(consentConfirmations.id, row.id));
    const state = confirmationState(current!, now);
    if (state === "confirmed") return { status: "confirmed" as const, changed: false };
    if (state === "expired") await closeConfirmation(tx, svc, current!, "confirmation link expired");
    return { status: "expired" as const, changed: false };
  });
  return { ...(await linkView(ctx.db, row, outcome.status)), changed: outcome.changed };
}
