import { and, eq, sql, type SQL } from "drizzle-orm";
import { topics } from "@/db/schema";
import { invalid, notFound } from "@/server/lib/errors";
import { rangeInstants, resolveRange, todayIn, type DayRange } from "@/server/shared/analytics";
import type { Channel } from "@/server/shared/enums";
import type { ServiceContext } from "../context";
import { workspaceSettingsOf } from "../campaigns/runs";
import { ZAnalyticsInput, type TAnalyticsInput } from "./schemas";

/** The filters of an analytics query, checked and resolved: days, their instants, the topic's id. */
export interface AnalyticsFilters {
  range: DayRange;
  timezone: string;
  start: Date;
  end: Date;
  topic: { id: string; key: string } | null;
  channel: Channel | null;
}

/**
 * Parses an analytics input and resolves it in the workspace: the days are read in the workspace's
 * zone (messaging settings), `to` defaults to today there, the topic key must be the workspace's.
 * Bad input is INVALID (400), an unknown topic NOT_FOUND (404).
 */
export async function resolveFilters(ctx: ServiceContext, input: TAnalyticsInput): Promise<AnalyticsFilters> {
  const checked = ZAnalyticsInput.safeParse(input ?? {});
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw invalid(issue.message, issue.path.map(String).join(".") || undefined);
  }
  const parsed = checked.data;
  const { messaging } = await workspaceSettingsOf(ctx.db, ctx.workspaceId);
  const timezone = messaging.timezone;
  const resolved = resolveRange(parsed, todayIn(ctx.now(), timezone));
  if (!resolved.ok) throw invalid(resolved.problem.message, resolved.problem.field);
  let topic: AnalyticsFilters["topic"] = null;
  if (parsed.topic) {
    const [row] = await ctx.db
      .select({ id: topics.id, key: topics.key })
      .from(topics)
      .where(and(eq(topics.workspaceId, ctx.workspaceId), eq(topics.key, parsed.topic)));
    if (!row) throw notFound("Topic");
    topic = row;
  }
  const { start, end } = rangeInstants(resolved.range, timezone);
  return { range: resolved.range, timezone, start, end, topic, channel: parsed.channel ?? null };
}

/** The `range` block of every answer. */
export function rangeOut(filters: AnalyticsFilters) {
  return {
    from: filters.range.from,
    to: filters.range.to,
    timezone: filters.timezone,
    topic: filters.topic?.key ?? null,
    channel: filters.channel,
  };
}

/** `and …` conditions on an alias's `channel` and `topic_id` columns for the filters (empty when unfiltered). */
export function channelTopicSql(filters: AnalyticsFilters, alias: string): SQL {
  const a = sql.raw(alias);
  return sql`${filters.channel ? sql` and ${a}.channel = ${filters.channel}` : sql``}${
    filters.topic ? sql` and ${a}.topic_id = ${filters.topic.id}::uuid` : sql``
  }`;
}
