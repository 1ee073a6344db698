import { sql } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import { notifications } from "@/db/schema";
import { NOTIFICATION_MAX_RETENTION_DAYS, NOTIFICATION_READ_RETENTION_DAYS } from "@/server/shared/notifications";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type JobContext } from "../context";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows deleted per statement (one short transaction each). */
export const PRUNE_BATCH_SIZE = 5000;
/** Batches per call at most; what is left goes the next night. */
export const PRUNE_MAX_BATCHES = 200;

export interface PruneNotificationsResult {
  deleted: number;
  /** Whether rows past retention are left (the batch limit was reached). */
  more: boolean;
}

/**
 * Retention of notifications, as of `ctx.now()`: read ones older than 90 days and every one
 * older than 180 days are deleted, in batches of `batchSize` (each its own transaction, walking
 * `notifications_created_idx`), at most `maxBatches` per call. Idempotent. One audit row (system,
 * no workspace) with the count when something was deleted.
 */
export async function pruneNotifications({
  ctx,
  input = {},
}: {
  ctx: JobContext;
  input?: { batchSize?: number; maxBatches?: number };
}): Promise<PruneNotificationsResult> {
  const batchSize = input.batchSize ?? PRUNE_BATCH_SIZE;
  const maxBatches = input.maxBatches ?? PRUNE_MAX_BATCHES;
  const now = ctx.now().getTime();
  const readBefore = new Date(now - NOTIFICATION_READ_RETENTION_DAYS * DAY_MS).toISOString();
  const allBefore = new Date(now - NOTIFICATION_MAX_RETENTION_DAYS * DAY_MS).toISOString();
  let deleted = 0;
  let more = false;
  for (let batch = 0; batch < maxBatches; batch++) {
    const rows = resultRows<{ n: number }>(
      await ctx.db.execute(sql`
        with doomed as (
          select id from ${notifications}
           where created_at < ${readBefore}::timestamptz
             and (read_at is not null or created_at < ${allBefore}::timestamptz)
           order by created_at
           limit ${batchSize}
        ), gone as (
          delete from ${notifications} n using doomed d where n.id = d.id returning 1
        )
        select count(*)::int as n from gone`),
    );
    const n = Number(rows[0]?.n ?? 0);
    deleted += n;
    more = n === batchSize && batch === maxBatches - 1;
    if (n < batchSize) break;
  }
  if (deleted > 0)
    await inTransaction(ctx.db, (tx) =>
      writeAudit(
        tx,
        {
          workspaceId: null,
          actor: { type: "system", job: "prune-notifications" },
          now: ctx.now,
          requestId: ctx.requestId,
        },
        { action: "notifications.pruned", after: { count: deleted } },
      ),
    );
  return { deleted, more };
}
