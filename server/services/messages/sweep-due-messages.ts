import { sql } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import { AWAITING_DELIVERY_SQL, messages } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { SWEEP_GRACE_MS } from "./backoff";
import { deliverMessages, type DeliveryDeps, type DeliverySummary } from "./deliver";

const SWEEP_BATCH = 500;
const MAX_ROUNDS = 20;

/**
 * The outbox sweep (every minute, `dispatch-sweep`): delivers outbound messages that are due
 * and that nothing else is delivering:
 * - `queued`/`deferred` whose `next_attempt_at` has come (retries, quiet-hours deferrals, messages
 *   a sending limit or a paused provider handed back);
 * - `queued`/`deferred` past their `expires_at` and never tried, due or not (`deliverMessages`
 *   fails them as `expired`);
 * - `queued` without a time, older than SWEEP_GRACE_MS (their after-commit dispatch was lost);
 * - `sending` untouched for `DELIVERY_STUCK_SECONDS` (default STUCK_SENDING_MS: the dispatcher died
 *   mid-call): re-dispatched with the same idempotency key (a batch member: the same batch call),
 *   so a call that did reach the provider is not sent twice.
 * Re-reads rows when it fires; the atomic claim in `deliverMessages` makes a concurrent
 * dispatcher harmless. Rounds of 500, at most 10,000 messages per run.
 */
export async function sweepDueMessages({
  ctx: deps,
}: {
  ctx: DeliveryDeps;
}): Promise<DeliverySummary & { rounds: number }> {
  const total: DeliverySummary & { rounds: number } = {
    claimed: 0,
    sent: 0,
    retrying: 0,
    failed: 0,
    blocked: 0,
    delayed: 0,
    expired: 0,
    rounds: 0,
  };
  const seen = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const now = deps.now();
    const nowText = now.toISOString();
    const graceText = new Date(now.getTime() - SWEEP_GRACE_MS).toISOString();
    const stuckBefore = new Date(now.getTime() - getEnv().DELIVERY_STUCK_SECONDS * 1000);
    // One branch per kind of due work, each matched by its own partial index (messages_dispatch_idx
    // for the waiting ones by time or without one, messages_expiry_idx, messages_sending_idx), so
    // an idle sweep reads a few index entries however many messages there are; UNION drops a row
    // that two branches find.
    const due = resultRows<{ id: string }>(
      await deps.db.execute(sql`
        select id from (
          select ${messages.id} as id, coalesce(${messages.nextAttemptAt}, ${messages.createdAt}) as due_at from ${messages}
           where ${messages.status} in ${AWAITING_DELIVERY_SQL} and ${messages.nextAttemptAt} <= ${nowText}::timestamptz
             and ${messages.direction} = 'outbound'
          union
          select ${messages.id}, ${messages.createdAt} from ${messages}
           where ${messages.status} in ${AWAITING_DELIVERY_SQL} and ${messages.nextAttemptAt} is null
             and ${messages.createdAt} <= ${graceText}::timestamptz and ${messages.direction} = 'outbound'
          union
          select ${messages.id}, coalesce(${messages.nextAttemptAt}, ${messages.createdAt}) from ${messages}
           where ${messages.status} in ${AWAITING_DELIVERY_SQL} and ${messages.expiresAt} is not null
             and ${messages.expiresAt} <= ${nowText}::timestamptz and ${messages.attempts} = 0
             and ${messages.providerBatchKey} is null and ${messages.direction} = 'outbound'
          union
          select ${messages.id}, coalesce(${messages.nextAttemptAt}, ${messages.createdAt}) from ${messages}
           where ${messages.status} = 'sending' and ${messages.updatedAt} < ${stuckBefore.toISOString()}::timestamptz
             and ${messages.direction} = 'outbound'
        ) due order by due_at limit ${SWEEP_BATCH}`),
    );
    const ids = due.map((r) => r.id).filter((id) => !seen.has(id));
    if (ids.length === 0) break;
    ids.forEach((id) => seen.add(id));
    const summary = await deliverMessages({ ctx: deps, input: { messageIds: ids, stuckBefore } });
    total.rounds++;
    total.claimed += summary.claimed;
    total.sent += summary.sent;
    total.retrying += summary.retrying;
    total.failed += summary.failed;
    total.blocked += summary.blocked;
    total.delayed += summary.delayed;
    total.expired += summary.expired;
    if (due.length < SWEEP_BATCH) break;
  }
  return total;
}
