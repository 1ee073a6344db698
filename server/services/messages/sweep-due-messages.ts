import { asc, sql } from "drizzle-orm";
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
    const due = await deps.db
      .select({ id: messages.id })
      .from(messages)
      .where(
        sql`${messages.direction} = 'outbound' and (
              (${messages.status} in ${AWAITING_DELIVERY_SQL} and (${messages.nextAttemptAt} <= ${nowText}::timestamptz
                 or (${messages.nextAttemptAt} is null and ${messages.createdAt} <= ${graceText}::timestamptz)
                 or (${messages.expiresAt} <= ${nowText}::timestamptz and ${messages.attempts} = 0 and ${messages.providerBatchKey} is null)))
              or (${messages.status} = 'sending' and ${messages.updatedAt} < ${stuckBefore.toISOString()}::timestamptz))`,
      )
      .orderBy(asc(sql`coalesce(${messages.nextAttemptAt}, ${messages.createdAt})`))
      .limit(SWEEP_BATCH);
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
