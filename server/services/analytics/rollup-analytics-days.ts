import { sql } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import { workspaces } from "@/db/schema";
import { invalid } from "@/server/lib/errors";
import { daysInRange, parseDay, rangeInstants, shiftDay, todayIn } from "@/server/shared/analytics";
import { HANDED_OVER_STATUSES, REACHED_STATUSES } from "@/server/shared/enums";
import { statusesSql, workspaceSettingsOf } from "../campaigns/runs";
import { inTransaction, type JobContext } from "../context";
import { consentMovesSql } from "./consent-fold";

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

/** Days the nightly pass computes at most per workspace beyond the trailing ones (history first seen). */
export const ROLLUP_BACKFILL_MAX_DAYS = 3 * 366;
/** Days one backfill statement covers at most (each folds the ledger once, whatever the span). */
const BACKFILL_SPAN_DAYS = 366;

/**
 * The nightly pass, for every workspace, in its zone: the `days` days up to yesterday (today stays
 * live); every past day whose consent changed since the last pass (an event recorded since with an
 * earlier date: imports of past consent); and the days since the ledger's first event that were
 * never computed (at most `ROLLUP_BACKFILL_MAX_DAYS` a night, oldest first). When the zone
 * changed, the workspace's days are dropped and computed again. Then `analytics_rollup_state`
 * records what the roll-up now guarantees, for `getConsentTrend` to read from it.
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
  for (const workspaceId of ids) await nightlyWorkspace(ctx, workspaceId, days);
  return { workspaces: ids.length, days };
}

async function nightlyWorkspace(ctx: JobContext, workspaceId: string, trailing: number) {
  const startedAt = ctx.now();
  const { messaging } = await workspaceSettingsOf(ctx.db, workspaceId);
  const zone = messaging.timezone;
  const toDay = shiftDay(todayIn(startedAt, zone), -1);
  const trailFrom = shiftDay(toDay, -(trailing - 1));
  const [state] = resultRows<{ timezone: string; rolled_at: string | Date }>(
    await ctx.db.execute(
      sql`select timezone, rolled_at from analytics_rollup_state where workspace_id = ${workspaceId}::uuid`,
    ),
  );
  if (state && state.timezone !== zone) {
    await inTransaction(ctx.db, async (tx) => {
      for (const table of [
        "analytics_daily",
        "analytics_consent_daily",
        "analytics_rollup_days",
        "analytics_rollup_state",
      ])
        await tx.execute(sql`delete from ${sql.identifier(table)} where workspace_id = ${workspaceId}::uuid`);
    });
  }
  const since = state && state.timezone === zone ? new Date(state.rolled_at).toISOString() : null;
  const { start: trailStart } = rangeInstants({ from: trailFrom, to: trailFrom }, zone);
  const [facts] = resultRows<{ first_day: string | null }>(
    await ctx.db.execute(sql`
      select to_char((min(occurred_at) at time zone ${zone})::date, 'YYYY-MM-DD') as first_day
        from consent_events where workspace_id = ${workspaceId}::uuid`),
  );
  const firstDay = facts?.first_day ?? null;
  // Past days to compute besides the trailing ones: never computed since the ledger's first day,
  // or holding consent recorded since the last pass.
  const wanted = new Set<string>();
  if (firstDay && firstDay < trailFrom) {
    const missing = await ctx.db.execute(sql`
      select to_char(d::date, 'YYYY-MM-DD') as day
        from generate_series(${firstDay}::date, ${shiftDay(trailFrom, -1)}::date, interval '1 day') d
       where not exists (select 1 from analytics_rollup_days r
                          where r.workspace_id = ${workspaceId}::uuid and r.day = d::date)
       order by 1 limit ${ROLLUP_BACKFILL_MAX_DAYS}`);
    for (const r of resultRows<{ day: string }>(missing)) wanted.add(String(r.day));
  }
  if (since) {
    const changed = await ctx.db.execute(sql`
      select distinct to_char((occurred_at at time zone ${zone})::date, 'YYYY-MM-DD') as day
        from consent_events
       where workspace_id = ${workspaceId}::uuid and recorded_at > ${since}::timestamptz
         and occurred_at < ${trailStart.toISOString()}::timestamptz`);
    for (const r of resultRows<{ day: string }>(changed)) wanted.add(String(r.day));
  }
  for (const [from, to] of spans([...wanted].sort(), BACKFILL_SPAN_DAYS))
    await rollupWorkspace(ctx, workspaceId, from, to);
  await rollupWorkspace(ctx, workspaceId, trailFrom, toDay);
  await ctx.db.execute(sql`
    insert into analytics_rollup_state (workspace_id, timezone, consent_from_day, rolled_at)
    values (${workspaceId}::uuid, ${zone}, ${firstDay}::date, ${startedAt.toISOString()}::timestamptz)
    on conflict (workspace_id) do update
      set timezone = excluded.timezone, consent_from_day = excluded.consent_from_day, rolled_at = excluded.rolled_at`);
}

/** Sorted days grouped into runs of consecutive days, each at most `max` long. */
export function spans(sortedDays: string[], max: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const day of sortedDays) {
    const last = out.at(-1);
    if (last && shiftDay(last[1], 1) === day && daysInRange(last[0], day) <= max) last[1] = day;
    else out.push([day, day]);
  }
  return out;
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
      ${consentMovesSql({ workspaceId })}
      select ${workspaceId}::uuid, (m.occurred_at at time zone ${zone})::date, m.channel, m.topic_id,
             (count(*) filter (where m.state and not m.prev))::int,
             (count(*) filter (where m.prev and not m.state))::int
        from moved m
        join topics t on t.id = m.topic_id and t.workspace_id = ${workspaceId}::uuid
       where m.state <> m.prev
         and m.occurred_at >= ${startIso}::timestamptz and m.occurred_at < ${endIso}::timestamptz
       group by 2, 3, 4`);
    await tx.execute(sql`
      insert into analytics_rollup_days (workspace_id, day, computed_at)
      select ${workspaceId}::uuid, d::date, ${computedAt}::timestamptz
        from generate_series(${fromDay}::date, ${toDay}::date, interval '1 day') d
      on conflict (workspace_id, day) do update set computed_at = excluded.computed_at`);
  });
}
