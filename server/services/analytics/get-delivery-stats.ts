import { sql } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import { eachDay, rate } from "@/server/shared/analytics";
import { BLOCK_REASONS, HANDED_OVER_STATUSES, REACHED_STATUSES, type BlockReason } from "@/server/shared/enums";
import type { ServiceContext } from "../context";
import { statusesSql } from "../campaigns/runs";
import { channelTopicSql, rangeOut, resolveFilters } from "./filters";
import type { TAnalyticsInput, TDeliveryStats } from "./schemas";

/**
 * Delivery of the outbound messages to contacts (system messages to members left out) created in
 * the range, per day of the workspace's zone: handed to a provider (`sent`), of those reached,
 * bounced, otherwise failed, complained; and the sends the policy blocked, by reason. Rates:
 * delivered ÷ sent, bounced ÷ sent, complained ÷ delivered. One grouped statement over the
 * `messages_workspace_created_idx` range of the period.
 */
export async function getDeliveryStats({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TAnalyticsInput;
}): Promise<TDeliveryStats> {
  const filters = await resolveFilters(ctx, input);
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
       and m.created_at >= ${filters.start.toISOString()}::timestamptz
       and m.created_at < ${filters.end.toISOString()}::timestamptz
       and m.direction = 'outbound' and m.kind <> 'system'
       ${channelTopicSql(filters, "m")}
     group by 1, 2`);

  const byDay = new Map(
    eachDay(filters.range.from, filters.range.to).map((day) => [
      day,
      { day, sent: 0, delivered: 0, bounced: 0, failed: 0, complained: 0, blocked: 0 },
    ]),
  );
  const byReason = new Map<BlockReason, number>();
  for (const r of resultRows<{
    day: string;
    reason: string | null;
    sent: number;
    delivered: number;
    bounced: number;
    failed: number;
    complained: number;
    blocked: number;
  }>(result)) {
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
