import { sql } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import { eachDay } from "@/server/shared/analytics";
import type { Channel } from "@/server/shared/enums";
import type { ServiceContext } from "../context";
import { channelTopicSql, rangeOut, resolveFilters } from "./filters";
import type { TAnalyticsInput, TConsentTrend } from "./schemas";

/**
 * Opt-ins, opt-outs and net growth of the consented audience per day and per channel × topic,
 * from the consent ledger (`consent_events`), the way the projection folds it: the events of each
 * contact × channel × topic in the order they were applied (`seq`); a confirmed grant (an opt-in
 * that needed no confirmation, or a confirmation) makes the pair consented, an opt-out ends it,
 * pending grants and expiries change nothing (they are left out before the windows), and an
 * opt-in that happened before an opt-out was recorded does not undo it. An opt-in counts when the pair was not consented before, an opt-out
 * when it was, on the day the person acted (`occurred_at` in the workspace's zone). The audience
 * is the number of consented pairs: before the range, then at the end of each day.
 *
 * One statement with window functions over the ledger up to the end of the range (no index serves
 * a per-day scan of the ledger better than its workspace range; measured in docs/api.md).
 */
export async function getConsentTrend({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TAnalyticsInput;
}): Promise<TConsentTrend> {
  const filters = await resolveFilters(ctx, input);
  const start = filters.start.toISOString();
  const result = await ctx.db.execute(sql`
    with ev as (
      select e.channel, e.topic_id, e.contact_id, e.seq, e.occurred_at, e.action,
             max(case when e.action = 'opted_out' then e.recorded_at end)
               over (partition by e.channel, e.topic_id, e.contact_id order by e.seq
                     rows between unbounded preceding and 1 preceding) as last_out_recorded
        from consent_events e
       where e.workspace_id = ${ctx.workspaceId}::uuid
         and e.occurred_at < ${filters.end.toISOString()}::timestamptz
         and (e.action in ('opted_out', 'confirmed') or (e.action = 'opted_in' and not e.needs_confirmation))
         ${channelTopicSql(filters, "e")}
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
    select m.channel::text as channel, m.topic_id::text as topic_id, t.key as topic_key, t.name as topic_name,
           case when m.occurred_at < ${start}::timestamptz then null
                else to_char((m.occurred_at at time zone ${filters.timezone})::date, 'YYYY-MM-DD') end as day,
           (count(*) filter (where m.state and not m.prev))::int as ins,
           (count(*) filter (where m.prev and not m.state))::int as outs
      from moved m
      join topics t on t.id = m.topic_id and t.workspace_id = ${ctx.workspaceId}::uuid
     where m.state <> m.prev
     group by 1, 2, 3, 4, 5`);

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
  for (const r of resultRows<{
    channel: Channel;
    topic_id: string;
    topic_key: string;
    topic_name: string;
    day: string | null;
    ins: number;
    outs: number;
  }>(result)) {
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
