import { sql } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import { BEST_HOUR_MIN_SAMPLE, bestHour, rate } from "@/server/shared/analytics";
import { REACHED_STATUSES } from "@/server/shared/enums";
import type { ServiceContext } from "../context";
import { statusesSql } from "../campaigns/runs";
import { countryZoneEntries } from "../policy/recipient-timezone";
import { channelTopicSql, rangeOut, resolveFilters } from "./filters";
import type { TAnalyticsInput, TBestSendHour } from "./schemas";

/**
 * Open and click rates by the hour of the recipient's local day at which the message was sent
 * (`sent_at`, else `created_at`): the messages to contacts created in the range that reached the
 * recipient, grouped by that hour in the recipient's zone (the contact's own zone when valid, else
 * the phone number's country zone, else the workspace's: as campaigns resolve a recipient's local
 * time), with how many a person opened and clicked (`opened_at`, `clicked_at`: machine events
 * never set them). One grouped statement.
 */
export async function getBestSendHour({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TAnalyticsInput;
}): Promise<TBestSendHour> {
  const filters = await resolveFilters(ctx, input);
  const zones = sql.join(
    countryZoneEntries().map(([country, zone]) => sql`(${country}, ${zone})`),
    sql`, `,
  );
  const result = await ctx.db.execute(sql`
    with known_zones as materialized (select distinct name from pg_timezone_names),
    country_zones(country, zone) as (values ${zones}),
    sent as (
      select coalesce(m.sent_at, m.created_at) as at, m.opened_at, m.clicked_at,
             case when kz.name is not null then c.timezone
                  when cz.zone is not null then cz.zone
                  else ${filters.timezone} end as zone
        from messages m
        left join contacts c on c.id = m.contact_id
        left join known_zones kz on kz.name = c.timezone
        left join country_zones cz on cz.country = c.phone_country
       where m.workspace_id = ${ctx.workspaceId}::uuid
         and m.created_at >= ${filters.start.toISOString()}::timestamptz
         and m.created_at < ${filters.end.toISOString()}::timestamptz
         and m.direction = 'outbound' and m.kind <> 'system'
         and m.status::text in (${statusesSql(REACHED_STATUSES)})
         ${channelTopicSql(filters, "m")}
    )
    select extract(hour from (at at time zone zone))::int as hour,
           count(*)::int as delivered,
           (count(*) filter (where opened_at is not null))::int as opened,
           (count(*) filter (where clicked_at is not null))::int as clicked
      from sent
     group by 1`);

  const hours = Array.from({ length: 24 }, (_, hour) => ({
    hour,
    delivered: 0,
    opened: 0,
    clicked: 0,
    openRate: null as number | null,
    clickRate: null as number | null,
  }));
  for (const r of resultRows<{ hour: number; delivered: number; opened: number; clicked: number }>(result)) {
    const h = hours[Number(r.hour)];
    if (!h) continue;
    h.delivered = Number(r.delivered);
    h.opened = Number(r.opened);
    h.clicked = Number(r.clicked);
  }
  for (const h of hours) {
    h.openRate = rate(h.opened, h.delivered);
    h.clickRate = rate(h.clicked, h.delivered);
  }
  return {
    range: rangeOut(filters),
    hours,
    best: {
      byOpens: bestHour(hours.map((h) => ({ hour: h.hour, delivered: h.delivered, rate: h.openRate }))),
      byClicks: bestHour(hours.map((h) => ({ hour: h.hour, delivered: h.delivered, rate: h.clickRate }))),
    },
    minSample: BEST_HOUR_MIN_SAMPLE,
  };
}
