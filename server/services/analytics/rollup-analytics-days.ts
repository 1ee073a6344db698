import { sql } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { invalid } from "@/server/lib/errors";
import { daysInRange, parseDay, rangeInstants, shiftDay, todayIn } from "@/server/shared/analytics";
import { HANDED_OVER_STATUSES, REACHED_STATUSES } from "@/server/shared/enums";
import { statusesSql, workspaceSettingsOf } from "../campaigns/runs";
import { inTransaction, type JobContext } from "../context";

/** Days one call recomputes at most per workspace (one statement per table each). */
export const ROLLUP_MAX_DAYS = 31;
/** Days the nightly job recomputes: late bounces, complaints and consent change past days. */
export const ROLLUP_TRAILING_DAYS = 7;

export interface RollupAnalyticsDaysResult {
  workspaces: number;
  days: number;
}

/**
 * Recomputes the analytics roll-up (`analytics_daily`, `analytics_consent_daily`,
 * `analytics_rollup_days`) for the days `fromDay`…`toDay` (in each workspace's zone) of one
 * workspace or of every workspace: per workspace, one transaction deletes those days and inserts
 * them again with one grouped `INSERT … SELECT` per table, counted exactly like the live
 * statements of `getDeliveryStats` and `getConsentTrend`. Idempotent; at most 31 days per call.
 */
export async function rollupAnalyticsDays({
  ctx,
  input,
}: {
  ctx: JobContext;
  input: { workspaceId?: string; fromDay: string; toDay: string };
}): Promise<RollupAnalyticsDaysResult> {
  if (!parseDay(input.fromDay)) throw invalid("Not a date (YYYY-MM-DD)", "fromDay");
  if (!parseDay(input.toDay)) throw invalid("Not a date (YYYY-MM-DD)", "toDay");
  const days = daysInRange(input.fromDay, input.toDay);
  if (days < 1) throw invalid("`fromDay` is after `toDay`", "fromDay");
  if (days > ROLLUP_MAX_DAYS) throw invalid(`At most ${ROLLUP_MAX_DAYS} days`, "fromDay");
  const ids = input.workspaceId
    ? [input.workspaceId]
    : (await ctx.db.select({ id: workspaces.id }).from(workspaces)).map((w) => w.id);
  for (const workspaceId of ids) await rollupWorkspace(ctx, workspaceId, input.fromDay, input.toDay);
  return { workspaces: ids.length, days };
}

/**
 * The nightly pass: for every workspace, the `days` days up to yesterday in its zone (today
 * stays live).
 */
export async function rollupTrailingDays({
  ctx,
  input = {},
}: {
  ctx: JobContext;
  input?: { days?: number };
}): Promise<RollupAnalyticsDaysResult> {
  const days = Math.min(ROLLUP_MAX_DAYS, Math.max(1, input.days ?? ROLLUP_TRAILING_DAYS));
  const ids = (await ctx.db.select({ id: workspaces.id }).from(workspaces)).map((w) => w.id);
  for (const workspaceId of ids) {
    const { messaging } = await workspaceSettingsOf(ctx.db, workspaceId);
    const toDay = shiftDay(todayIn(ctx.now(), messaging.timezone), -1);
    await rollupWorkspace(ctx, workspaceId, shiftDay(toDay, -(days - 1)), toDay);
  }
  return { workspaces: ids.length, days };
}

async function rollupWorkspace(ctx: JobContext, workspaceId: string, fromDay: string, toDay: string) {
  const { messaging } = await workspaceSettingsOf(ctx.db, workspaceId);
  const zone = messaging.timezone;
  const { start, end } = rangeInstants({ from: fromDay, to: toDay }, zone);
  const startIso = start.toISOString();
  const endIso = end.toISOString();
  const computedAt = ctx.now().toISOString();
  const handedOver = sql`(m.status::text in (${statusesSql(HANDED_OVER_STATUSES)}) or (m.status = 'failed' and m.sent_at is not null))`;
  const reached = sql`m.status::text in (${statusesSql(REACHED_STATUSES)})`;
  await inTransaction(ctx.db, async (tx) => {
    await tx.execute(sql`delete from analytics_daily
      where workspace_id = ${workspaceId}::uuid and day between ${fromDay}::date and ${toDay}::date`);
    await tx.execute(sql`delete from analytics_consent_daily
      where workspace_id = ${workspaceId}::uuid and day between ${fromDay}::date and ${toDay}::date`);
    await tx.execute(sql`
      insert into analytics_daily (workspace_id, day, channel, topic_id, reason, sent, delivered, bounced, failed, complained, blocked)
      select ${workspaceId}::uuid, (m.created_at at time zone ${zone})::date, m.channel, m.topic_id,
             case when m.status = 'blocked' then coalesce(m.reason, '') else '' end,
             (count(*) filter (where ${handedOver}))::int,
             (count(*) filter (where ${reached}))::int,
             (count(*) filter (where m.status = 'bounced'))::int,
             (count(*) filter (where ${handedOver} and not ${reached} and m.status <> 'bounced'))::int,
             (count(*) filter (where m.status = 'complained'))::int,
             (count(*) filter (where m.status = 'blocked'))::int
        from messages m
       where m.workspace_id = ${workspaceId}::uuid
         and m.created_at >= ${startIso}::timestamptz
         and m.created_at < ${endIso}::timestamptz
         and m.direction = 'outbound' and m.kind <> 'system'
       group by 2, 3, 4, 5`);
    await tx.execute(sql`
      insert into analytics_consent_daily (workspace_id, day, channel, topic_id, opt_ins, opt_outs)
      with ev as (
        select e.channel, e.topic_id, e.contact_id, e.seq, e.occurred_at, e.action,
               max(case when e.action = 'opted_out' then e.recorded_at end)
                 over (partition by e.channel, e.topic_id, e.contact_id order by e.seq
                       rows between unbounded preceding and 1 preceding) as last_out_recorded
          from consent_events e
         where e.workspace_id = ${workspaceId}::uuid
           and e.occurred_at < ${endIso}::timestamptz
           and (e.action in ('opted_out', 'confirmed') or (e.action = 'opted_in' and not e.needs_confirmation))
      ),
      decisive as (
        select channel, topic_id, contact_id, seq, occurred_at, action <> 'opted_out' as state
          from ev
         where action = 'opted_out' or last_out_recorded is null or occurred_at > last_out_recorded
      ),
      moved as (
        select channel, topic_id, occurred_at, state,
               coalesce(lag(state) over (partition by channel, topic_id, contact_id order by seq), false) as prev
          from decisive
      )
      select ${workspaceId}::uuid, (m.occurred_at at time zone ${zone})::date, m.channel, m.topic_id,
             (count(*) filter (where m.state and not m.prev))::int,
             (count(*) filter (where m.prev and not m.state))::int
        from moved m
        join topics t on t.id = m.topic_id and t.workspace_id = ${workspaceId}::uuid
       where m.state <> m.prev and m.occurred_at >= ${startIso}::timestamptz
       group by 2, 3, 4`);
    await tx.execute(sql`
      insert into analytics_rollup_days (workspace_id, day, computed_at)
      select ${workspaceId}::uuid, d::date, ${computedAt}::timestamptz
        from generate_series(${fromDay}::date, ${toDay}::date, interval '1 day') d
      on conflict (workspace_id, day) do update set computed_at = excluded.computed_at`);
  });
}
