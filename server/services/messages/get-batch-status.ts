import { and, count, eq } from "drizzle-orm";
import { MESSAGE_STATUSES, messages, sendBatches, type MessageStatus } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { ZBatchStatusInput, type TBatchStatus } from "./schemas";

/**
 * `GET /messages/batches/{id}`: the batch's messages counted by their current status, live (a
 * webhook moving a message to delivered shows up at once). `errors` = recipients refused before
 * anything was recorded; `done` once nothing is queued, deferred or sending.
 */
export async function getBatchStatus({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string };
}): Promise<TBatchStatus> {
  const { id } = ZBatchStatusInput.parse(input);
  const [batch] = await ctx.db
    .select()
    .from(sendBatches)
    .where(and(eq(sendBatches.id, id), eq(sendBatches.workspaceId, ctx.workspaceId)));
  if (!batch) throw notFound("Batch");
  const rows = await ctx.db
    .select({ status: messages.status, n: count() })
    .from(messages)
    .where(and(eq(messages.workspaceId, ctx.workspaceId), eq(messages.batchId, id)))
    .groupBy(messages.status);
  const counts = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
  let recorded = 0;
  for (const row of rows) {
    counts[row.status] = Number(row.n);
    recorded += Number(row.n);
  }
  return {
    batchId: batch.id,
    total: batch.total,
    createdAt: batch.createdAt.toISOString(),
    counts,
    errors: Math.max(0, batch.total - recorded),
    done: counts.queued + counts.deferred + counts.sending === 0,
  };
}
