import { eq, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { contacts, segments, type CampaignRow } from "@/db/schema";
import { BLOCK_REASONS, CAP_COUNTED_STATUSES, type BlockReason, type TopicKind } from "@/server/shared/enums";
import type { MessagingSettings } from "@/server/shared/messaging-settings";
import { parseClock } from "@/server/shared/local-time";
import { notFound } from "@/server/lib/errors";
import { compileForWorkspace } from "../segments/rows";

/**
 * The SQL condition over `contacts` of a campaign's audience: the segment's compiled condition
 * (or, without a segment, every contact with an address on the channel), AND NOT any exclusion
 * segment, never erased contacts, always scoped to the workspace.
 */
export async function audienceWhere(db: Queryable, row: CampaignRow, now: Date): Promise<SQL> {
  const addressColumn = row.channel === "email" ? contacts.emailHash : contacts.phoneHash;
  const include = row.segmentId
    ? await segmentCondition(db, row.workspaceId, row.segmentId, now)
    : sql`(${contacts.workspaceId} = ${row.workspaceId} and ${contacts.erasedAt} is null and ${addressColumn} is not null)`;
  const excluded: SQL[] = [];
  for (const id of row.exclusionSegmentIds) excluded.push(await segmentCondition(db, row.workspaceId, id, now));
  if (excluded.length === 0) return include;
  return sql`(${include} and not (${sql.join(excluded, sql` or `)}))`;
}

async function segmentCondition(db: Queryable, workspaceId: string, segmentId: string, now: Date): Promise<SQL> {
  const [segment] = await db.select().from(segments).where(eq(segments.id, segmentId));
  if (!segment || segment.workspaceId !== workspaceId) throw notFound("Segment");
  return compileForWorkspace(db, workspaceId, now, segment.filter, { self: { id: segment.id, name: segment.name } });
}

export interface AudienceCounts {
  audience: number;
  sendable: number;
  blocked: Partial<Record<BlockReason, number>>;
  deferred: number;
  /** SMS: sendable members by their phone number's country (null: unknown), for the cost; other channels: one group, country null. */
  sendableByCountry: { country: string | null; recipients: number }[];
}

/** What classifying an audience needs: the campaign, its audience condition, topic and settings, and the time. */
export interface ClassifyInput {
  row: CampaignRow;
  where: SQL;
  topic: { id: string; key: string; kind: TopicKind };
  settings: MessagingSettings;
  now: Date;
}

/**
 * The CTEs `audience` (id, erased_at, address_hash, timezone, phone_country) and `classified`
 * (id, reason, timezone, phone_country) of an audience, with the precedence of `decide()`:
 * erased → invalid_address (no address on the channel) → suppressed (the address's blind index on
 * the channel's suppression list) → consent (marketing only: opted_out, or no_consent when there
 * is no record or it is pending) → frequency_cap (each workspace cap that applies to the channel
 * and topic: marketing messages counted like the pipeline's recent sends, in the cap's window,
 * legal notices' messages (`counts_toward_caps` false) left out; none when the campaign ignores
 * caps). `reason` is null for members who pass. The dry run counts
 * them; a run's freeze inserts them (`freezeRun`): one statement either way.
 *
 * Written for a million members (bench/fanout.ts): every lookup is a join that yields at most one
 * row per member, so `reason` is plain column tests, cheap however often a caller's SQL repeats
 * it (an inlined CTE copies the expression into each reference; with subqueries in it the freeze
 * ran each one twice per member). Suppressions and consent are joined on their primary keys. The
 * caps' counts come from ONE lateral aggregate per member over that contact's recent messages
 * (the `messages_workspace_contact_idx` range of the widest cap's window), each cap a `filter` of
 * it: the work follows the audience, never the workspace's whole sending history (a grouped scan
 * of every recent message would, and would cost a small segment as much as the whole list).
 */
export function classifiedAudienceCtes(input: ClassifyInput): SQL {
  const { row, where, topic, settings, now } = input;
  const ws = row.workspaceId;
  const channel = row.channel;
  const marketing = isMarketing(row, topic);
  const at = now.toISOString();
  const addressColumn = channel === "email" ? contacts.emailHash : contacts.phoneHash;
  const counted = sql.join(
    CAP_COUNTED_STATUSES.map((s) => sql`${s}`),
    sql`, `,
  );

  const caps =
    marketing && !row.options.ignoreFrequencyCaps
      ? settings.frequencyCaps.filter(
          (cap) =>
            (cap.channel === "any" || cap.channel === channel) && (cap.topicKey === null || cap.topicKey === topic.key),
        )
      : [];
  // One count per cap (`sent_<i>`), all from the same rows: the widest window, then each cap's own.
  const capCounts = caps.map(
    (cap, i) => sql`count(*) filter (where m.created_at > ${at}::timestamptz - make_interval(days => ${cap.days}::int)
        ${cap.channel === "any" ? sql`` : sql`and m.channel = ${cap.channel}`}
        ${cap.topicKey === null ? sql`` : sql`and m.topic_key = ${cap.topicKey}`}) as ${sql.raw(`sent_${i}`)}`,
  );
  const widestDays = Math.max(0, ...caps.map((cap) => cap.days));
  const recentSends =
    caps.length > 0
      ? sql`cross join lateral (
          select ${sql.join(capCounts, sql`, `)}
            from messages m
           where m.workspace_id = ${ws} and m.contact_id = a.id and m.direction = 'outbound' and m.kind = 'marketing'
             and m.status::text in (${counted}) and m.counts_toward_caps
             and m.created_at > ${at}::timestamptz - make_interval(days => ${widestDays}::int)
             and m.created_at <= ${at}::timestamptz) rs`
      : sql``;
  const capped =
    caps.length > 0
      ? sql.join(
          caps.map((cap, i) => sql`${sql.raw(`rs.sent_${i}`)} >= ${cap.max}::int`),
          sql` or `,
        )
      : sql`false`;

  const consentReason = marketing
    ? sql`when cs.status = 'opted_out' then 'opted_out'
          when cs.status is null or cs.status <> 'opted_in' then 'no_consent'`
    : sql``;

  return sql`
    with audience as (
      select ${contacts.id} as id, ${contacts.erasedAt} as erased_at, ${addressColumn} as address_hash,
             ${contacts.timezone} as timezone, ${contacts.phoneCountry} as phone_country
      from ${contacts}
      where ${where}
    ),
    classified as (
      select a.id,
        case
          when a.erased_at is not null then 'erased'
          when a.address_hash is null then 'invalid_address'
          when s.address_hash is not null then 'suppressed'
          ${consentReason}
          when ${capped} then 'frequency_cap'
        end as reason,
        a.timezone, a.phone_country
      from audience a
      left join suppressions s
        on s.workspace_id = ${ws} and s.channel = ${channel} and s.address_hash = a.address_hash
      left join consent_states cs
        on cs.workspace_id = ${ws} and cs.contact_id = a.id and cs.channel = ${channel} and cs.topic_id = ${topic.id}
      ${recentSends}
    )`;
}

/** A campaign is sent as marketing unless both it and its topic are transactional (as the pipeline decides). */
export function isMarketing(row: CampaignRow, topic: { kind: TopicKind }): boolean {
  return !(row.kind === "transactional" && topic.kind === "transactional");
}

/**
 * Counts every audience member by reason in ONE statement (`classifiedAudienceCtes`), for SMS the
 * sendable ones also by their phone number's country (GROUP BY, for the cost). Members who pass are
 * sendable; a sendable marketing SMS whose recipient's local time (the contact's time
 * zone, else the workspace's) is outside the workspace quiet-hours window counts as deferred too.
 * Nothing is written.
 */
export async function classifyAudience(db: Queryable, input: ClassifyInput): Promise<AudienceCounts> {
  const { row, topic, settings, now } = input;
  const at = now.toISOString();
  const quiet = isMarketing(row, topic) && row.channel === "sms" && settings.quietHours.enabled;
  const startMinutes = parseClock(settings.quietHours.start);
  const endMinutes = parseClock(settings.quietHours.end);
  const localMinutes = sql`(extract(hour from (${at}::timestamptz at time zone coalesce(a.timezone, ${settings.timezone}))) * 60
    + extract(minute from (${at}::timestamptz at time zone coalesce(a.timezone, ${settings.timezone}))))`;
  const deferred = quiet
    ? sql`not (${localMinutes} >= ${startMinutes}::int and ${localMinutes} < ${endMinutes}::int)`
    : sql`false`;

  // Only SMS is priced by country: other channels keep one row per reason.
  const country = row.channel === "sms" ? sql`case when reason is null then phone_country end` : sql`null::text`;
  const result = await db.execute(sql`
    ${classifiedAudienceCtes(input)}
    select reason, ${country} as country, count(*)::int as n,
           (count(*) filter (where reason is null and ${deferred}))::int as deferred
    from classified a
    group by 1, 2`);

  const counts: AudienceCounts = { audience: 0, sendable: 0, blocked: {}, deferred: 0, sendableByCountry: [] };
  for (const r of resultRows<{ reason: string | null; country: string | null; n: number; deferred: number }>(result)) {
    const n = Number(r.n);
    counts.audience += n;
    if (r.reason === null) {
      counts.sendable += n;
      counts.deferred += Number(r.deferred);
      counts.sendableByCountry.push({ country: r.country ?? null, recipients: n });
    } else if ((BLOCK_REASONS as readonly string[]).includes(r.reason)) {
      counts.blocked[r.reason as BlockReason] = n;
    }
  }
  return counts;
}
