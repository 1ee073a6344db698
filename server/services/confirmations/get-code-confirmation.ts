import type { PublicContext } from "../context";
import { codeView, findCodeRow, type CodeConfirmationView } from "./views";

/** What the code entry page shows. Read-only. null = no such request. */
export async function getCodeConfirmation({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: { confirmationId: string };
}): Promise<CodeConfirmationView | null> {
  const row = await findCodeRow(ctx.db, input.confirmationId);
  return row ? codeView(ctx.db, ctx.now, row) : null;
}
