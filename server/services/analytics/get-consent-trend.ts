import { sql } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import { daysInRange, eachDay, rangeInstants, shiftDay, todayIn } from "@/server/shared/analytics";
import type { Channel } from "@/server/shared/enums";
import type { ServiceContext } from "../context";
import { consentMovesSql } from "./consent-fold";
import { channelTopicSql, rangeOut, resolveFilters, type AnalyticsFilters } from "./filters";
import type { TAnalyticsInput, TConsentTrend } from "./schemas";

/** Opt-ins and opt-outs of one channel × topic on one day (`null`: before the range). */
interface TrendRow {
  channel: Channel;
  topic_id: string;
  topic_key: string;
  topic_name: string;
  day: string | null;
  ins: number;
  outs: number;
}

/**
 * Opt-ins, opt-outs and net growth of the consented audience per day and per channel × topic,
 * from the consent ledger (`consent_events`) folded the way the projection folds it
 * (`consentMovesSql`). An opt-in counts when the pair was not consented before, an opt-out when
 * it was, on the day the person acted (`occurred_at` in the workspace's zone). The audience is
 * the number of consented pairs: before the range, then at the end of each day.
 *
 * Days up to the day before yesterday come from the nightly roll-up (`analytics_consent_daily`)
 * when it covers every day since the ledger's first and nothing was recorded for those days since
 * it ran (`analytics_rollup_state`); the days after are folded live over only the pairs with an
 * event recorded since. Otherwise the whole ledger is folded live (`getConsentTrendLive`): both
 * count the same way, so the answers are equal.
 */
export async function getConsentTrend({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TAnalyticsInput;
}): Promise<TConsentTrend> {
  const filters = await resolveFilters(ctx, input);
  const rows = (await storedRows(ctx, filters)) ?? (await liveRows(ctx, filters));
  return assemble(filters, rows);
}

/** The same answer folded live over the whole ledger (no roll-up): the reference. */
export async function getConsentTrendLive({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TAnalyticsInput;
}): Promise<TConsentTrend> {
  const filters = await resolveFilters(ctx, input);
  return assemble(filters, await liveRows(ctx, filters));
}

/** Transitions up to the range's end, from the whole ledger or (`since`) from the pairs touched since. */
async function liveRows(ctx: ServiceContext, filters: AnalyticsFilters, since?: string): Promise<TrendRow[]> {
  const start = filters.start.toISOString();
  const result = await ctx.db.execute(sql`
    ${consentMovesSql({
      workspaceId: ctx.workspaceId,
      touchedSince: since,
      filter: channelTopicSql(filters, "e"),
    })}
    select m.channel::text as channel, m.topic_id::text as topic_id, t.key as topic_key, t.name as topic_name,
           case when m.occurred_at < ${start}::timestamptz then null
                else to_char((m.occurred_at at time zone ${filters.timezone})::date, 'YYYY-MM-DD') end as day,
           (count(*) filter (where m.state and not m.prev))::int as ins,
           (count(*) filter (where m.prev and not m.state))::int as outs
      from moved m
      join topics t on t.id = m.topic_id and t.workspace_id = ${ctx.workspaceId}::uuid
     where m.state <> m.prev and m.occurred_at < ${filters.end.toISOString()}::timestamptz
       ${since ? sql`and m.occurred_at >= ${since}::timestamptz` : sql``}
     group by 1, 2, 3, 4, 5`);
  return resultRows<TrendRow>(result);
}

/**
 * The answer from the roll-up and a live fold of the recent days, or null when the roll-up cannot
 * give it: no roll-up yet, in another zone, a day since the ledger's first not computed, or an
 * event recorded since the roll-up ran for a day it stores.
 */
async function storedRows(ctx: ServiceContext, filters: AnalyticsFilters): Promise<TrendRow[] | null> {
  const lastStored = shiftDay(todayIn(ctx.now(), filters.timezone), -2);
  const upTo = filters.range.to < lastStored ? filters.range.to : lastStored;
  const upToEnd = rangeInstants({ from: upTo, to: upTo }, filters.timezone).end.toISOString();
  const [state] = resultRows<{ from_day: string | null; rolled_at: string | Date; ok: boolean }>(
    await ctx.db.execute(sql`
      select to_char(s.consent_from_day, 'YYYY-MM-DD') as from_day, s.rolled_at,
             not exists (select 1 from consent_events e
                          where e.workspace_id = s.workspace_id and e.recorded_at > s.rolled_at
                            and e.occurred_at < ${upToEnd}::timestamptz) as ok
        from analytics_rollup_state s
       where s.workspace_id = ${ctx.workspaceId}::uuid and s.timezone = ${filters.timezone}`),
  );
  if (!state?.ok) return null;
  if (state.from_day && state.from_day <= upTo) {
    const [covered] = resultRows<{ n: number }>(
      await ctx.db.execute(sql`
        select count(*)::int as n from analytics_rollup_days
         where workspace_id = ${ctx.workspaceId}::uuid and day between ${state.from_day}::date and ${upTo}::date`),
    );
    if (Number(covered?.n ?? 0) < daysInRange(state.from_day, upTo)) return null;
  }
  const stored = await ctx.db.execute(sql`
    select a.channel::text as channel, a.topic_id::text as topic_id, t.key as topic_key, t.name as topic_name,
           case when a.day < ${filters.range.from}::date then null else to_char(a.day, 'YYYY-MM-DD') end as day,
           sum(a.opt_ins)::int as ins, sum(a.opt_outs)::int as outs
      from analytics_consent_daily a
      join topics t on t.id = a.topic_id and t.workspace_id = ${ctx.workspaceId}::uuid
     where a.workspace_id = ${ctx.workspaceId}::uuid and a.day <= ${upTo}::date
       ${channelTopicSql(filters, "a")}
     group by 1, 2, 3, 4, 5`);
  const rows = resultRows<TrendRow>(stored);
  if (filters.range.to > upTo) rows.push(...(await liveRows(ctx, filters, upToEnd)));
  return rows;
}

/** Days, series and totals from the grouped transitions. */
function assemble(filters: AnalyticsFilters, rows: TrendRow[]): TConsentTrend {
  const dayList = eachDay(filters.range.from, filters.range.to);
  const days = new Map(dayList.map((day) => [day, { day, optIns: 0, optOuts: 0, net: 0, audience: 0 }]));
  const series = new Map<
    string,
    {
      channel: Channel;
      topic: string;
      topicName: string;
      optIns: number;
      optOuts: number;
      net: number;
      audience: number;
    }
  >();
  let audienceAtStart = 0;
  for (const r of rows) {
    const ins = Number(r.ins);
    const outs = Number(r.outs);
    const key = `${r.channel}\u0000${r.topic_key}`;
    const s = series.get(key) ?? {
      channel: r.channel,
      topic: r.topic_key,
      topicName: r.topic_name,
      optIns: 0,
      optOuts: 0,
      net: 0,
      audience: 0,
    };
    series.set(key, s);
    s.audience += ins - outs;
    if (r.day === null) {
      audienceAtStart += ins - outs;
      continue;
    }
    const day = days.get(String(r.day));
    if (!day) continue;
    s.optIns += ins;
    s.optOuts += outs;
    s.net += ins - outs;
    day.optIns += ins;
    day.optOuts += outs;
  }
  let audience = audienceAtStart;
  for (const day of days.values()) {
    day.net = day.optIns - day.optOuts;
    audience += day.net;
    day.audience = audience;
  }
  const dayRows = [...days.values()];
  const optIns = dayRows.reduce((n, d) => n + d.optIns, 0);
  const optOuts = dayRows.reduce((n, d) => n + d.optOuts, 0);
  return {
    range: rangeOut(filters),
    totals: { optIns, optOuts, net: optIns - optOuts, audienceAtStart, audience },
    days: dayRows,
    series: [...series.values()].sort((a, b) => a.channel.localeCompare(b.channel) || a.topic.localeCompare(b.topic)),
  };
}
