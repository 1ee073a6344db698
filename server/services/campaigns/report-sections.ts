import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { ACCEPTED_STATUSES, FAILED_STATUSES, IN_FLIGHT_STATUSES, type MessageStatus } from "@/server/shared/enums";
import { decryptField } from "../messages/message-secrets";
import { REPLY_WINDOW_HOURS } from "../tracking/attribute-reply";
import { fillHours } from "./report-math";
import { CANCELLED_REASON } from "./runs";
import { REPORT_HOURS, REPORT_TOP_LINKS, type TReportFunnel, type TReportHour } from "./schemas";

/*
 * The sections of a campaign report, one function each, every one a single set-based statement
 * over the campaign's run messages (`messages.campaign_run_id` set: test sends are left out),
 * optionally one run. A section added later (per-variant results) is one more function here.
 */

/** What a report covers: a campaign of a workspace, every run or one, machine events counted or not. */
export interface ReportScope {
  workspaceId: string;
  campaignId: string;
  runId: string | null;
  countMachine: boolean;
}

const list = (statuses: readonly MessageStatus[]) => sql.raw(`(${statuses.map((s) => `'${s}'`).join(", ")})`);
const COMPLAINED: MessageStatus = "complained";
const BLOCKED: MessageStatus = "blocked";
const ACCEPTED = list(ACCEPTED_STATUSES);
const FAILED = list(FAILED_STATUSES);
const IN_FLIGHT = list(IN_FLIGHT_STATUSES);

/** The scope's messages (alias `m`): outbound, of the campaign's runs (or the one run). */
function campaignMessages(scope: ReportScope): SQL {
  return sql`m.workspace_id = ${scope.workspaceId}::uuid and m.campaign_id = ${scope.campaignId}::uuid
    and m.campaign_run_id is not null and m.direction = 'outbound'
    ${scope.runId ? sql`and m.campaign_run_id = ${scope.runId}::uuid` : sql``}`;
}

/** The scope's runs (alias `r`). */
function campaignRunsOf(scope: ReportScope): SQL {
  return sql`r.workspace_id = ${scope.workspaceId}::uuid and r.campaign_id = ${scope.campaignId}::uuid
    ${scope.runId ? sql`and r.id = ${scope.runId}::uuid` : sql``}`;
}

type Counts = Omit<TReportFunnel, "unsubscribed">;

/**
 * Audience, hand-over, delivery, failures, blocks (by reason), complaints, replies, opens and
 * clicks (unique, total, machine) of the scope: one statement. Blocked recipients are counted
 * where they were blocked: at the freeze (`campaign_recipients`) or when their message was
 * recorded (a `blocked` message), as the run counts are.
 */
export async function reportCounts(db: Queryable, scope: ReportScope): Promise<Counts> {
  const rows = resultRows<{ section: string; key: string | null; a: number; b: number; c: number; d: number }>(
    await db.execute(sql`
      with msg as (
        select m.id, m.status::text as status, m.reason, m.replied_at
          from messages m
         where ${campaignMessages(scope)}
      ),
      recipients as (
        select cr.status, cr.reason
          from campaign_recipients cr
          join campaign_runs r on r.id = cr.run_id
         where ${campaignRunsOf(scope)}
      ),
      events as (
        select e.kind::text as kind, e.message_id, e.machine
          from tracking_events e
         where e.workspace_id = ${scope.workspaceId}::uuid
           and e.message_id in (select id from msg)
      )
      select 'audience' as section, null as key, count(*)::int as a, 0 as b, 0 as c, 0 as d from recipients
      union all
      select 'blocked', reason, count(*)::int, 0, 0, 0 from recipients where status = ${BLOCKED} group by reason
      union all
      select 'blocked', reason, count(*)::int, 0, 0, 0 from msg where status = ${BLOCKED} group by reason
      union all
      select 'recipients_cancelled', null, count(*)::int, 0, 0, 0 from recipients where status = 'cancelled'
      union all
      select 'messages', null,
             (count(*) filter (where status in ${ACCEPTED} or status = ${COMPLAINED}))::int,
             (count(*) filter (where status in ${FAILED} and reason is distinct from ${CANCELLED_REASON}))::int,
             (count(*) filter (where status in ${IN_FLIGHT}))::int,
             (count(*) filter (where status in ${FAILED} and reason = ${CANCELLED_REASON}))::int
        from msg
      union all
      select 'messages2', null,
             (count(*) filter (where status = ${COMPLAINED}))::int,
             (count(*) filter (where replied_at is not null))::int, 0, 0
        from msg
      union all
      select kind, 'unique', (count(distinct message_id) filter (where not machine))::int,
             count(distinct message_id)::int,
             (count(distinct message_id) filter (where machine))::int, 0
        from events group by kind
      union all
      select kind, 'total', (count(*) filter (where not machine))::int, (count(*) filter (where machine))::int, 0, 0
        from events group by kind`),
  );
  const out: Counts = {
    audience: 0,
    sent: 0,
    delivered: 0,
    opened: 0,
    machineOpened: 0,
    clicked: 0,
    machineClicked: 0,
    replied: 0,
    blocked: 0,
    blockedByReason: {},
    failed: 0,
    queued: 0,
    cancelled: 0,
    complained: 0,
    totalOpens: 0,
    totalClicks: 0,
  };
  for (const row of rows) {
    const [a, b, c, d] = [Number(row.a), Number(row.b), Number(row.c), Number(row.d)];
    if (row.section === "audience") out.audience = a;
    else if (row.section === "blocked") {
      const reason = row.key ?? "unknown";
      out.blockedByReason[reason] = (out.blockedByReason[reason] ?? 0) + a;
      out.blocked += a;
    } else if (row.section === "recipients_cancelled") out.cancelled += a;
    else if (row.section === "messages") {
      out.delivered = a;
      out.failed = b;
      out.sent = a + b;
      out.queued = c;
      out.cancelled += d;
    } else if (row.section === "messages2") {
      out.complained = a;
      out.replied = b;
    } else if (row.section === "open" || row.section === "click") {
      const open = row.section === "open";
      if (row.key === "unique") {
        const unique = scope.countMachine ? b : a;
        if (open) [out.opened, out.machineOpened] = [unique, c];
        else [out.clicked, out.machineClicked] = [unique, c];
      } else {
        const total = scope.countMachine ? a + b : a;
        if (open) out.totalOpens = total;
        else out.totalClicks = total;
      }
    }
  }
  return out;
}

/**
 * Contacts who opted out through the campaign, one statement: an `opted_out` ledger event whose
 * evidence names one of the scope's messages (the unsubscribe link carries its message), or an
 * SMS keyword opt-out (STOP) whose contact's last campaign SMS within REPLY_WINDOW_HOURS before it
 * is one of the scope's (the rule replies are attributed by). Distinct contacts: a STOP that opts
 * out of several topics, or a reason added after the opt-out, counts once.
 */
export async function reportUnsubscribed(db: Queryable, scope: ReportScope): Promise<number> {
  const [row] = resultRows<{ n: number }>(
    await db.execute(sql`
      with msg as (
        select m.id, m.contact_id from messages m where ${campaignMessages(scope)}
      ),
      by_link as (
        select e.contact_id
          from consent_events e
         where e.workspace_id = ${scope.workspaceId}::uuid and e.action = 'opted_out'
           and e.contact_id in (select contact_id from msg)
           and e.evidence->>'messageId' in (select id::text from msg)
      ),
      by_stop as (
        select e.contact_id
          from consent_events e
          cross join lateral (
            select last.id
              from messages last
             where last.workspace_id = e.workspace_id and last.contact_id = e.contact_id
               and last.direction = 'outbound' and last.channel = 'sms' and last.campaign_run_id is not null
               and last.created_at >= e.occurred_at - make_interval(hours => ${REPLY_WINDOW_HOURS})
               and coalesce(last.sent_at, last.created_at) <= e.occurred_at
             order by last.created_at desc
             limit 1
          ) last
         where e.workspace_id = ${scope.workspaceId}::uuid and e.action = 'opted_out'
           and e.source = 'sms_keyword' and e.channel = 'sms'
           and e.contact_id in (select contact_id from msg)
           and last.id in (select id from msg)
      )
      select count(distinct contact_id)::int as n
        from (select contact_id from by_link union select contact_id from by_stop) attributed`),
  );
  return Number(row?.n ?? 0);
}

/**
 * Opens and clicks per hour after each run's start (its `started_at`), hours 0 to REPORT_HOURS-1:
 * an event counts in the hour of its own run. Machine events only when they count.
 */
export async function reportHourly(db: Queryable, scope: ReportScope): Promise<TReportHour[]> {
  const rows = resultRows<{ kind: string; hour: number; n: number }>(
    await db.execute(sql`
      select e.kind::text as kind,
             floor(extract(epoch from (e.occurred_at - r.started_at)) / 3600)::int as hour,
             count(*)::int as n
        from tracking_events e
        join messages m on m.id = e.message_id
        join campaign_runs r on r.id = m.campaign_run_id
       where e.workspace_id = ${scope.workspaceId}::uuid and ${campaignMessages(scope)}
         and r.started_at is not null
         and e.occurred_at >= r.started_at
         and e.occurred_at < r.started_at + make_interval(hours => ${REPORT_HOURS})
         and (${scope.countMachine}::boolean or not e.machine)
       group by 1, 2`),
  );
  return fillHours(rows.map((r) => ({ kind: r.kind, hour: Number(r.hour), n: Number(r.n) })));
}

/** The most clicked links (REPORT_TOP_LINKS), grouped by URL across messages. */
export async function reportTopLinks(
  db: Queryable,
  scope: ReportScope,
): Promise<{ url: string; uniqueClicks: number; totalClicks: number }[]> {
  const rows = resultRows<{ url_ciphertext: string; total: number; uniq: number }>(
    await db.execute(sql`
      select l.url_hash, min(l.url_ciphertext) as url_ciphertext,
             count(*)::int as total, count(distinct e.message_id)::int as uniq
        from tracking_events e
        join message_links l on l.id = e.link_id
        join messages m on m.id = e.message_id
       where e.workspace_id = ${scope.workspaceId}::uuid and e.kind = 'click' and ${campaignMessages(scope)}
         and (${scope.countMachine}::boolean or not e.machine)
       group by l.url_hash
       order by uniq desc, total desc, l.url_hash
       limit ${REPORT_TOP_LINKS}`),
  );
  return rows.map((r) => ({
    url: decryptField(r.url_ciphertext, "link") ?? "",
    uniqueClicks: Number(r.uniq),
    totalClicks: Number(r.total),
  }));
}

/** How many runs the scope has, and when the first started. */
export async function reportRuns(
  db: Queryable,
  scope: ReportScope,
): Promise<{ runs: number; firstSentAt: Date | null }> {
  const [row] = resultRows<{ n: number; first: string | null }>(
    await db.execute(sql`
      select count(*)::int as n, min(r.started_at)::text as first from campaign_runs r where ${campaignRunsOf(scope)}`),
  );
  return { runs: Number(row?.n ?? 0), firstSentAt: row?.first ? new Date(row.first) : null };
}
