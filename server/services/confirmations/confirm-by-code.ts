import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { consentConfirmations } from "@/db/schema";
import { maskPhone } from "@/server/lib/addresses";
import { decryptOptional } from "@/server/lib/crypto";
import { getContactRow } from "../contacts/rows";
import { inTransaction } from "../context";
import { codeMatches } from "./secrets";
import {
  closeConfirmation,
  confirmationState,
  confirmationTopics,
  contextFor,
  recordConfirmedConsent,
  workspaceName,
  type ConfirmationRow,
  type PublicContext,
} from "./shared";
import type { RequestEvidence } from "@/server/lib/client-address";

export const ZConfirmByCodeInput = z.object({
  confirmationId: z.uuid(),
  code: z.string().max(32),
});

export interface CodeConfirmationView {
  status: "pending" | "confirmed" | "expired" | "locked";
  brand: string;
  topicNames: string[];
  sentTo: string | null;
  attemptsLeft: number;
  expiresAt: Date;
  workspaceId: string;
  contactId: string;
}

async function findCodeRow(ctx: PublicContext, confirmationId: string): Promise<ConfirmationRow | null> {
  if (!z.uuid().safeParse(confirmationId).success) return null;
  const [row] = await ctx.db
    .select()
    .from(consentConfirmations)
    .where(and(eq(consentConfirmations.id, confirmationId), eq(consentConfirmations.method, "code")));
  return row ?? null;
}

function viewStatus(row: ConfirmationRow, now: Date): CodeConfirmationView["status"] {
  const state = confirmationState(row, now);
  if (state === "open") return "pending";
  if (state === "confirmed") return "confirmed";
  return row.attempts >= row.maxAttempts ? "locked" : "expired";
}

async function view(ctx: PublicContext, row: ConfirmationRow): Promise<CodeConfirmationView> {
  const contact = await getContactRow(ctx.db, row.workspaceId, row.contactId);
  const phone = decryptOptional(contact.phoneCiphertext, "contact.phone");
  return {
    status: viewStatus(row, ctx.now()),
    brand: await workspaceName(ctx.db, row.workspaceId),
    topicNames: (await confirmationTopics(ctx.db, row)).map((t) => t.name),
    sentTo: phone ? maskPhone(phone) : null,
    attemptsLeft: Math.max(0, row.maxAttempts - row.attempts),
    expiresAt: row.expiresAt,
    workspaceId: row.workspaceId,
    contactId: row.contactId,
  };
}

/** What the code entry page shows. Read-only. null = no such request. */
export async function getCodeConfirmation({ ctx, confirmationId }: { ctx: PublicContext; confirmationId: string }): Promise<CodeConfirmationView | null> {
  const row = await findCodeRow(ctx, confirmationId);
  return row ? view(ctx, row) : null;
}

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
  meta = {},
}: {
  ctx: PublicContext;
  input: z.input<typeof ZConfirmByCodeInput>;
  meta?: RequestEvidence;
}): Promise<CodeResult | null> {
  const parsed = ZConfirmByCodeInput.safeParse(input);
  if (!parsed.success) return null;
  const row = await findCodeRow(ctx, parsed.data.confirmationId);
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
        await closeConfirmation(tx, svc, current!, state === "expired" ? "confirmation code expired" : "too many wrong codes");
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
  return { ...(await view(ctx, fresh!)), outcome };
}
