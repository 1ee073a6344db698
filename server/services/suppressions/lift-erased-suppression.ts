import { and, eq } from "drizzle-orm";
import { suppressions, type Channel } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import type { ServiceContext } from "../context";

export interface TLiftErasedSuppressionInput {
  channel: Channel;
  addressHash: string;
  /** The contact who opted in again, and the ledger row of that opt-in (kept in the audit entry). */
  contactId: string;
  eventId: string;
}

/**
 * An erased person's address is suppressed with reason `erased` so that it is not messaged again
 * on the strength of old data. When that address opts in again with evidence, the suppression on
 * that channel is lifted (only one with reason `erased`: a bounce, complaint, STOP or manual
 * suppression stays). Audited (`suppression.removed`, with the opt-in's ledger id). Call it inside
 * the transaction that recorded the opt-in (that transaction as `ctx.db`).
 */
export async function liftErasedSuppression({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TLiftErasedSuppressionInput;
}): Promise<{ lifted: boolean }> {
  const removed = await ctx.db
    .delete(suppressions)
    .where(
      and(
        eq(suppressions.workspaceId, ctx.workspaceId),
        eq(suppressions.channel, input.channel),
        eq(suppressions.addressHash, input.addressHash),
        eq(suppressions.reason, "erased"),
      ),
    )
    .returning({ id: suppressions.id });
  if (removed.length === 0) return { lifted: false };
  await writeAudit(ctx.db, ctx, {
    action: "suppression.removed",
    targetType: "contact",
    targetId: input.contactId,
    before: { channel: input.channel, reason: "erased" },
    after: { liftedBy: "opt_in", consentEventId: input.eventId },
  });
  return { lifted: true };
}
