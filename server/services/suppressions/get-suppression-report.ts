import { sql } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import { eachDay, rangeInstants, resolveRange, todayIn } from "@/server/shared/analytics";
import type { Channel, ConsentSource, SuppressionReason } from "@/server/shared/enums";
import type { ServiceContext } from "../context";
import { workspaceSettingsOf } from "../campaigns/runs";
import { invalid } from "@/server/lib/errors";
import { parseInput } from "./parse";
import { ZSuppressionReportInput, type TSuppressionReport, type TSuppressionReportInput } from "./schemas";

/**
 * The opt-out report: per day (workspace time zone) the opt-outs recorded in the consent ledger
 * (`consent_events` rows with action `opted_out`, by the day the person acted, per channel × topic
 * × source) and the suppressions added (`suppressions.created_at`, per channel × reason; removed
 * suppressions are no longer counted). Two grouped statements, every day of the range present.
 */
export async function getSuppressionReport({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TSuppressionReportInput;
}): Promise<TSuppressionReport> {
  const parsed = parseInput(ZSuppressionReportInput, input);
  const { messaging } = await workspaceSettingsOf(ctx.db, ctx.workspaceId);
  const timezone = messaging.timezone;
  const resolved = resolveRange(parsed, todayIn(ctx.now(), timezone));
  if (!resolved.ok) throw invalid(resolved.problem.message, resolved.problem.field);
  const { start, end } = rangeInstants(resolved.range, timezone);
  const channel = parsed.channel ?? null;
  const onChannel = (alias: string) => (channel ? sql` and ${sql.raw(alias)}.channel = ${channel}` : sql``);

  const [outRows, suppressionRows] = await Promise.all([
    ctx.db.execute(sql`
      select to_char((e.occurred_at at time zone ${timezone})::date, 'YYYY-MM-DD') as day,
             e.channel::text as channel, t.key as topic, t.name as topic_name, e.source::text as source,
             count(*)::int as n
        from consent_events e
        join topics t on t.id = e.topic_id and t.workspace_id = e.workspace_id
       where e.workspace_id = ${ctx.workspaceId}::uuid
         and e.action = 'opted_out'
         and e.occurred_at >= ${start.toISOString()}::timestamptz
         and e.occurred_at < ${end.toISOString()}::timestamptz
         ${onChannel("e")}
       group by 1, 2, 3, 4, 5
       order by 1, 2, 3, 5`),
    ctx.db.execute(sql`
      select to_char((s.created_at at time zone ${timezone})::date, 'YYYY-MM-DD') as day,
             s.channel::text as channel, s.reason::text as reason, count(*)::int as n
        from suppressions s
       where s.workspace_id = ${ctx.workspaceId}::uuid
         and s.created_at >= ${start.toISOString()}::timestamptz
         and s.created_at < ${end.toISOString()}::timestamptz
         ${onChannel("s")}
       group by 1, 2, 3
       order by 1, 2, 3`),
  ]);

  const days = new Map(
    eachDay(resolved.range.from, resolved.range.to).map((day) => [day, { day, optOuts: 0, suppressions: 0 }]),
  );
  const optOuts = resultRows<{
    day: string;
    channel: Channel;
    topic: string;
    topic_name: string;
    source: ConsentSource;
    n: number;
  }>(outRows).map((r) => ({
    day: String(r.day),
    channel: r.channel,
    topic: r.topic,
    topicName: r.topic_name,
    source: r.source,
    count: Number(r.n),
  }));
  const suppressions = resultRows<{ day: string; channel: Channel; reason: SuppressionReason; n: number }>(
    suppressionRows,
  ).map((r) => ({ day: String(r.day), channel: r.channel, reason: r.reason, count: Number(r.n) }));
  for (const r of optOuts) days.get(r.day)!.optOuts += r.count;
  for (const r of suppressions) days.get(r.day)!.suppressions += r.count;
  return {
    range: { from: resolved.range.from, to: resolved.range.to, timezone, channel },
    totals: {
      optOuts: optOuts.reduce((n, r) => n + r.count, 0),
      suppressions: suppressions.reduce((n, r) => n + r.count, 0),
    },
    days: [...days.values()],
    optOuts,
    suppressions,
  };
}
