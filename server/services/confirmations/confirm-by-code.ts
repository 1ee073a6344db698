import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { consentConfirmations } from "@/db/schema";
import type { RequestEvidence } from "@/server/lib/client-address";
import { inTransaction, type PublicContext } from "../context";
import { codeMatches } from "./secrets";
import { closeConfirmation, confirmationState, contextFor, recordConfirmedConsent } from "./shared";
import { codeView, findCodeRow, type CodeConfirmationView } from "./views";

export const ZConfirmByCodeInput = z.object({
  confirmationId: z.uuid(),
  code: z.string().max(32),
});

export type TConfirmByCodeInput = z.input<typeof ZConfirmByCodeInput> & {
  /** The confirming request's ip and user agent, added to the ledger evidence. */
  meta?: RequestEvidence;
};

export type CodeResult = CodeConfirmationView & {
  /** `wrong_code`: the code did not match and tries are left. */
  outcome: "confirmed" | "already_confirmed" | "wrong_code" | "locked" | "expired";
};

/**
 * Checks a typed SMS code. Every try is counted atomically (`attempts = attempts + 1` guarded by
 * `attempts < max_attempts`), so parallel guesses cannot exceed the cap; the comparison is
 * constant-time. The try that uses up the last attempt closes the request and writes the
 * `expired` event: after that even the right code fails. A right code writes `confirmed` with the
 * original evidence plus this request's ip and user agent; a repeat records nothing.
 * null = no such request.
 */
export async function confirmByCode({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: TConfirmByCodeInput;
}): Promise<CodeResult | null> {
  const { meta = {} } = input;
  const parsed = ZConfirmByCodeInput.safeParse(input);
  if (!parsed.success) return null;
  const row = await findCodeRow(ctx.db, parsed.data.confirmationId);
  if (!row) return null;
  const svc = contextFor(ctx, row, { type: "contact", contactId: row.contactId });

  const outcome = await inTransaction(ctx.db, async (tx): Promise<CodeResult["outcome"]> => {
    const now = ctx.now();
    const [attempt] = await tx
      .update(consentConfirmations)
      .set({ attempts: sql`${consentConfirmations.attempts} + 1` })
      .where(
        and(
          eq(consentConfirmations.id, row.id),
          isNull(consentConfirmations.confirmedAt),
          isNull(consentConfirmations.closedAt),
          gt(consentConfirmations.expiresAt, now),
          lt(consentConfirmations.attempts, consentConfirmations.maxAttempts),
        ),
      )
      .returning();
    if (!attempt) {
      const [current] = await tx.select().from(consentConfirmations).where(eq(consentConfirmations.id, row.id));
      const state = confirmationState(current!, now);
      if (state === "confirmed") return "already_confirmed";
      if (state === "open" || state === "expired") {
        // Expired, or out of tries without having been closed yet: close it now.
        await closeConfirmation(
          tx,
          svc,
          current!,
          state === "expired" ? "confirmation code expired" : "too many wrong codes",
        );
      }
      return current!.attempts >= current!.maxAttempts ? "locked" : "expired";
    }

    if (codeMatches(attempt.id, parsed.data.code, attempt.secretHash)) {
      await tx.update(consentConfirmations).set({ confirmedAt: now }).where(eq(consentConfirmations.id, attempt.id));
      await recordConfirmedConsent(tx, svc, attempt, meta);
      return "confirmed";
    }
    if (attempt.attempts >= attempt.maxAttempts) {
      await closeConfirmation(tx, svc, attempt, "too many wrong codes");
      return "locked";
    }
    return "wrong_code";
  });

  const [fresh] = await ctx.db.select().from(consentConfirmations).where(eq(consentConfirmations.id, row.id));
  return { ...(await codeView(ctx.db, ctx.now, fresh!)), outcome };
}
