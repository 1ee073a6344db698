import { sql } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import { eachDay, rangeInstants, rate, shiftDay, todayIn } from "@/server/shared/analytics";
import { BLOCK_REASONS, HANDED_OVER_STATUSES, REACHED_STATUSES, type BlockReason } from "@/server/shared/enums";
import type { ServiceContext } from "../context";
import { statusesSql } from "../campaigns/runs";
import { channelTopicSql, rangeOut, resolveFilters, type AnalyticsFilters } from "./filters";
import type { TAnalyticsInput, TDeliveryStats } from "./schemas";

/** One grouped row of the delivery counts (per day and, for blocked messages, reason). */
interface DeliveryRow {
  day: string;
  reason: string | null;
  sent: number;
  delivered: number;
  bounced: number;
  failed: number;
  complained: number;
  blocked: number;
}

/**
 * Delivery of the outbound messages to contacts (system messages to members left out) created in
 * the range, per day of the workspace's zone: handed to a provider (`sent`), of those reached,
 * bounced, otherwise failed, complained; and the sends the policy blocked, by reason. Rates:
 * delivered ÷ sent, bounced ÷ sent, complained ÷ delivered.
 *
 * Days before yesterday (in the workspace's zone) that the nightly roll-up has computed
 * (`analytics_rollup_days`) are read from `analytics_daily`; every other day (yesterday, today,
 * and past days never rolled up) is counted live, one grouped statement per run of consecutive
 * such days over the `messages_workspace_created_idx` range. Both count the same way, so the
 * answer equals `getDeliveryStatsLive` as of the last roll-up of each stored day.
 */
export async function getDeliveryStats({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TAnalyticsInput;
}): Promise<TDeliveryStats> {
  const filters = await resolveFilters(ctx, input);
  const lastStored = shiftDay(todayIn(ctx.now(), filters.timezone), -2);
  const upTo = filters.range.to < lastStored ? filters.range.to : lastStored;
  const stored = new Set<string>();
  if (filters.range.from <= upTo) {
    const computed = await ctx.db.execute(sql`
      select to_char(day, 'YYYY-MM-DD') as day from analytics_rollup_days
       where workspace_id = ${ctx.workspaceId}::uuid and day between ${filters.range.from}::date and ${upTo}::date`);
    for (const r of resultRows<{ day: string }>(computed)) stored.add(String(r.day));
  }
  const rows: DeliveryRow[] = [];
  if (stored.size > 0) {
    const result = await ctx.db.execute(sql`
      select to_char(a.day, 'YYYY-MM-DD') as day, a.reason, sum(a.sent)::int as sent, sum(a.delivered)::int as delivered,
             sum(a.bounced)::int as bounced, sum(a.failed)::int as failed, sum(a.complained)::int as complained,
             sum(a.blocked)::int as blocked
        from analytics_daily a
        join analytics_rollup_days r on r.workspace_id = a.workspace_id and r.day = a.day
       where a.workspace_id = ${ctx.workspaceId}::uuid
         and a.day between ${filters.range.from}::date and ${upTo}::date
         ${channelTopicSql(filters, "a")}
       group by 1, 2`);
    rows.push(...resultRows<DeliveryRow>(result));
  }
  // Runs of consecutive days the roll-up does not answer, each counted live.
  let runStart: string | null = null;
  const days = eachDay(filters.range.from, filters.range.to);
  for (const [i, day] of days.entries()) {
    if (!stored.has(day) && runStart === null) runStart = day;
    const last = i === days.length - 1;
    if (runStart !== null && (last || stored.has(days[i + 1]!))) {
      const { start, end } = rangeInstants({ from: runStart, to: day }, filters.timezone);
      rows.push(...(await liveRows(ctx, filters, start, end)));
      runStart = null;
    }
  }
  return assemble(filters, rows);
}

/** The same answer counted live over the whole range from `messages` (no roll-up): the reference. */
export async function getDeliveryStatsLive({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TAnalyticsInput;
}): Promise<TDeliveryStats> {
  const filters = await resolveFilters(ctx, input);
  return assemble(filters, await liveRows(ctx, filters, filters.start, filters.end));
}

/** One grouped statement over the messages created in [start, end). */
async function liveRows(
  ctx: ServiceContext,
  filters: AnalyticsFilters,
  start: Date,
  end: Date,
): Promise<DeliveryRow[]> {
  const handedOver = sql`(m.status::text in (${statusesSql(HANDED_OVER_STATUSES)}) or (m.status = 'failed' and m.sent_at is not null))`;
  const reached = sql`m.status::text in (${statusesSql(REACHED_STATUSES)})`;
  const result = await ctx.db.execute(sql`
    select to_char((m.created_at at time zone ${filters.timezone})::date, 'YYYY-MM-DD') as day,
           case when m.status = 'blocked' then coalesce(m.reason, '') end as reason,
           (count(*) filter (where ${handedOver}))::int as sent,
           (count(*) filter (where ${reached}))::int as delivered,
           (count(*) filter (where m.status = 'bounced'))::int as bounced,
           (count(*) filter (where ${handedOver} and not ${reached} and m.status <> 'bounced'))::int as failed,
           (count(*) filter (where m.status = 'complained'))::int as complained,
           (count(*) filter (where m.status = 'blocked'))::int as blocked
      from messages m
     where m.workspace_id = ${ctx.workspaceId}::uuid
       and m.created_at >= ${start.toISOString()}::timestamptz
       and m.created_at < ${end.toISOString()}::timestamptz
       and m.direction = 'outbound' and m.kind <> 'system'
       ${channelTopicSql(filters, "m")}
     group by 1, 2`);
  return resultRows<DeliveryRow>(result);
}

function assemble(filters: AnalyticsFilters, rows: DeliveryRow[]): TDeliveryStats {
  const byDay = new Map(
    eachDay(filters.range.from, filters.range.to).map((day) => [
      day,
      { day, sent: 0, delivered: 0, bounced: 0, failed: 0, complained: 0, blocked: 0 },
    ]),
  );
  const byReason = new Map<BlockReason, number>();
  for (const r of rows) {
    const day = byDay.get(String(r.day));
    if (!day) continue;
    day.sent += Number(r.sent);
    day.delivered += Number(r.delivered);
    day.bounced += Number(r.bounced);
    day.failed += Number(r.failed);
    day.complained += Number(r.complained);
    day.blocked += Number(r.blocked);
    if (r.reason !== null && (BLOCK_REASONS as readonly string[]).includes(r.reason)) {
      const reason = r.reason as BlockReason;
      byReason.set(reason, (byReason.get(reason) ?? 0) + Number(r.blocked));
    }
  }
  const days = [...byDay.values()];
  const sum = (key: keyof (typeof days)[number]) => days.reduce((n, d) => n + (d[key] as number), 0);
  const totals = {
    sent: sum("sent"),
    delivered: sum("delivered"),
    bounced: sum("bounced"),
    failed: sum("failed"),
    complained: sum("complained"),
    blocked: sum("blocked"),
  };
  return {
    range: rangeOut(filters),
    totals: {
      ...totals,
      deliveryRate: rate(totals.delivered, totals.sent),
      bounceRate: rate(totals.bounced, totals.sent),
      complaintRate: rate(totals.complained, totals.delivered),
    },
    days,
    blockedByReason: [...byReason.entries()]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
