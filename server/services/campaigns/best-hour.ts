import { sql, type SQL } from "drizzle-orm";
import type { CampaignSchedule } from "@/db/schema";
import type { Channel } from "@/server/shared/enums";
import type { MessagingSettings } from "@/server/shared/messaging-settings";
import { parseClock } from "@/server/shared/local-time";
import { HISTORY_DAYS, MIN_PRIOR_EVENTS, PRIOR_WEIGHT, quietHoursAllowed } from "@/server/shared/send-time";
import { countryZoneEntries } from "../policy/recipient-timezone";

export type BestHourSchedule = Extract<CampaignSchedule, { type: "best_hour" }>;

/**
 * The CTEs that give each audience member a zone (`zoned`: id, zone, zone_source), resolved as
 * local-time sends do: the contact's zone when Postgres knows it, else the zone of the phone
 * number's country, else the workspace's (`fallback`: a zone set but unknown). `audience` names a
 * relation with the columns id, timezone and phone_country (the freeze's `classified`). Starts
 * with a comma: it follows other CTEs.
 */
export function zonedCtes(audience: SQL, workspaceZone: string): SQL {
  const values = sql.join(
    countryZoneEntries().map(([country, zone]) => sql`(${country}, ${zone})`),
    sql`, `,
  );
  return sql`, known_zones as materialized (select distinct name from pg_timezone_names),
      country_zones(country, zone) as (values ${values}),
      zoned as (
        select c.id,
          case when k.name is not null then k.name
               when cz.zone is not null then cz.zone
               else ${workspaceZone} end as zone,
          case when k.name is not null then 'contact'
               when cz.zone is not null then 'phone'
               when c.timezone is not null then 'fallback'
               else 'workspace' end as zone_source
          from ${audience} c
          left join known_zones k on k.name = c.timezone
          left join country_zones cz on cz.country = c.phone_country)`;
}

/** The local hours (0–23) a best-hour send may use on `channel`: outside the workspace's quiet hours for SMS, any for email. */
export function allowedHours(channel: Channel, messaging: MessagingSettings): number[] {
  const window =
    channel === "sms" && messaging.quietHours.enabled
      ? { start: parseClock(messaging.quietHours.start), end: parseClock(messaging.quietHours.end) }
      : null;
  const allowed = quietHoursAllowed(window);
  return allowed.flatMap((ok, hour) => (ok ? [hour] : []));
}

/**
 * The set-based best-hour model (server/shared/send-time.ts) for a whole audience, as CTEs after
 * `zonedCtes`, ending in `chosen` (id, zone, zone_source, send_at, events):
 *
 * - `ev`/`hist`: the workspace's human opens and clicks of the last HISTORY_DAYS days, one per
 *   message and local hour (a message opened ten times in one sitting counts once), by contact and
 *   hour of their local day (each contact's zone resolved as above);
 * - `prior`: the workspace's distribution over hours, or all mass on `fallbackHour` below
 *   MIN_PRIOR_EVENTS events;
 * - `slots`: per zone of the audience, every whole local hour inside the window and allowed
 *   (quiet hours), numbered from the window's start (`ord`, the tie-break); a DST gap's missing
 *   hour collapses into the next, a repeated hour is taken once;
 * - `zone_best`: per zone, the allowed slot with the highest prior (the answer for a contact
 *   without history, and the best of every hour a contact has no event at);
 * - `hist_best`: per contact with history (their (zone, hour, count) rows joined to the slots of
 *   their zone: the plan starts from the events, never audience × slots), the best slot among the
 *   hours they have events at, scored c_h + k·prior_h (the posterior times n + k, which is the
 *   same for every hour of one contact);
 * - `chosen`: the better of the two (equal scores: the earlier slot); a zone with no allowed hour
 *   inside the window falls back to the window's start (the policy then defers quiet-hour SMS).
 *
 * Rows scale with the audience plus the contacts' distinct (hour) events, never audience × 24.
 */
export function bestHourCtes(input: {
  workspaceId: string;
  schedule: BestHourSchedule;
  channel: Channel;
  messaging: MessagingSettings;
  now: Date;
}): SQL {
  const { workspaceId, schedule, channel, messaging, now } = input;
  const hours = allowedHours(channel, messaging);
  const allowedList =
    hours.length > 0
      ? sql.join(
          hours.map((h) => sql`${h}`),
          sql`, `,
        )
      : sql`-1`;
  const since = new Date(now.getTime() - HISTORY_DAYS * 24 * 60 * 60 * 1000).toISOString();
  const windowEnd = new Date(Date.parse(schedule.windowStart) + schedule.windowHours * 3_600_000).toISOString();
  const eps = 1e-9;
  return sql`,
      ev as (
        select m.contact_id, e.message_id, e.occurred_at,
               case when k.name is not null then k.name
                    when cz.zone is not null then cz.zone
                    else ${messaging.timezone} end as zone
          from tracking_events e
          join messages m on m.id = e.message_id
          join contacts ct on ct.id = m.contact_id
          left join known_zones k on k.name = ct.timezone
          left join country_zones cz on cz.country = ct.phone_country
         where e.workspace_id = ${workspaceId}::uuid and not e.machine
           and e.occurred_at >= ${since}::timestamptz and e.occurred_at < ${now.toISOString()}::timestamptz),
      hist as (
        select contact_id, zone, extract(hour from occurred_at at time zone zone)::int as hour,
               count(distinct message_id)::int as n
          from ev
         group by 1, 2, 3),
      prior_counts as (select hour, sum(n)::float8 as n from hist group by hour),
      prior_total as (select coalesce(sum(n), 0)::float8 as n from prior_counts),
      prior as (
        select h.hour,
               case when t.n >= ${MIN_PRIOR_EVENTS} then coalesce(pc.n, 0) / t.n
                    when h.hour = ${schedule.fallbackHour}::int then 1.0::float8 else 0.0::float8 end as p
          from generate_series(0, 23) h(hour)
          cross join prior_total t
          left join prior_counts pc on pc.hour = h.hour),
      zone_list as (select distinct zone from zoned),
      slots as materialized (
        select s.zone, s.at, s.hour, row_number() over (partition by s.zone order by s.at) as ord
          from (
            select distinct zl.zone, x.at, extract(hour from x.at at time zone zl.zone)::int as hour
              from zone_list zl
              cross join lateral (
                select ((((${schedule.windowStart}::timestamptz at time zone zl.zone)::date + d) + make_interval(hours => h))
                         at time zone zl.zone) as at
                  from generate_series(0, 1) d, generate_series(0, 23) h) x
             where x.at >= ${schedule.windowStart}::timestamptz and x.at < ${windowEnd}::timestamptz) s
         where s.hour in (${allowedList})),
      zone_best as (
        select distinct on (s.zone) s.zone, s.at, s.ord, ${PRIOR_WEIGHT} * p.p as score
          from slots s join prior p on p.hour = s.hour
         order by s.zone, p.p desc, s.ord),
      hist_best as (
        select distinct on (h.contact_id) h.contact_id as id, s.at, s.ord, h.n + ${PRIOR_WEIGHT} * p.p as score
          from hist h
          join slots s on s.zone = h.zone and s.hour = h.hour
          join prior p on p.hour = h.hour
         order by h.contact_id, h.n + ${PRIOR_WEIGHT} * p.p desc, s.ord),
      hist_total as (select contact_id, sum(n)::int as n from hist group by contact_id),
      chosen as (
        select z.id, z.zone, z.zone_source, coalesce(ht.n, 0) as events,
               coalesce(
                 case when hb.id is not null and (zb.zone is null or hb.score > zb.score + ${eps}
                        or (hb.score >= zb.score - ${eps} and hb.ord < zb.ord)) then hb.at else zb.at end,
                 ${schedule.windowStart}::timestamptz) as send_at
          from zoned z
          left join hist_best hb on hb.id = z.id
          left join zone_best zb on zb.zone = z.zone
          left join hist_total ht on ht.contact_id = z.id)`;
}
