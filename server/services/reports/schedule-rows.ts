import { and, eq, inArray } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import {
  campaigns,
  memberships,
  scheduledReports,
  topics,
  type ScheduledReportFilters,
  type ScheduledReportRow,
} from "@/db/schema";
import { invalid, notFound } from "@/server/lib/errors";
import type { ScheduledReportKind } from "@/server/shared/enums";
import { isValidTimeZone } from "@/server/shared/local-time";
import { nextOccurrence } from "../campaigns/schedule-rules";
import type { TScheduledReport } from "./schemas";

/** A report is sent at most once an hour: two occurrences closer than this are refused. */
const MIN_SPACING_MS = 60 * 60 * 1000;

/**
 * The next occurrences of a report schedule after `after` (at most `limit`): the rule is read in
 * `timezone` and anchored at `anchor`, so 08:00 stays 08:00 local across DST changes. A bad rule
 * or zone is INVALID naming `rrule` / `timezone`.
 */
export function upcomingSends(
  schedule: { rrule: string; timezone: string },
  anchor: Date,
  after: Date,
  limit: number,
): Date[] {
  if (!isValidTimeZone(schedule.timezone)) throw invalid("Not a time zone (e.g. Europe/Paris)", "timezone");
  const found: Date[] = [];
  let cursor = after;
  while (found.length < limit) {
    const next = nextOccurrence(schedule, anchor, cursor);
    if (!next) break;
    found.push(next);
    cursor = next;
  }
  return found;
}

/** Checks a rule for a schedule set at `now`: it parses, has a next send and repeats at most hourly. */
export function checkReportRule(schedule: { rrule: string; timezone: string }, now: Date): Date | null {
  const [first, second] = upcomingSends(schedule, now, now, 2);
  if (!first) throw invalid("This rule has no occurrence after now", "rrule");
  if (second && second.getTime() - first.getTime() < MIN_SPACING_MS)
    throw invalid("A report is sent at most once an hour", "rrule");
  return first;
}

/**
 * Checks what a schedule points at in the workspace: a campaign of it for a campaign report, a
 * topic of it when filtered, members of it as recipients. Each problem is INVALID naming the field.
 */
export async function checkReportTargets(
  db: Queryable,
  workspaceId: string,
  value: {
    kind: ScheduledReportKind;
    campaignId: string | null;
    filters: ScheduledReportFilters;
    recipientUserIds: string[];
  },
): Promise<void> {
  if (value.kind === "campaign") {
    if (!value.campaignId) throw invalid("Choose the campaign to report on", "campaignId");
    const [row] = await db
      .select({ id: campaigns.id })
      .from(campaigns)
      .where(and(eq(campaigns.workspaceId, workspaceId), eq(campaigns.id, value.campaignId)));
    if (!row) throw invalid("No such campaign in this workspace", "campaignId");
  } else if (value.campaignId) throw invalid("A dashboard report has no campaign", "campaignId");
  if (value.filters.topic) {
    const [row] = await db
      .select({ id: topics.id })
      .from(topics)
      .where(and(eq(topics.workspaceId, workspaceId), eq(topics.key, value.filters.topic)));
    if (!row) throw invalid("No such topic in this workspace", "filters.topic");
  }
  const unique = [...new Set(value.recipientUserIds)];
  const members = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), inArray(memberships.userId, unique)));
  if (members.length !== unique.length)
    throw invalid("Recipients must be members of this workspace", "recipientUserIds");
}

/** A schedule of the workspace, or NOT_FOUND. */
export async function loadSchedule(db: Queryable, workspaceId: string, id: string): Promise<ScheduledReportRow> {
  const [row] = await db
    .select()
    .from(scheduledReports)
    .where(and(eq(scheduledReports.workspaceId, workspaceId), eq(scheduledReports.id, id)));
  if (!row) throw notFound("Scheduled report");
  return row;
}

export function toScheduledReport(row: ScheduledReportRow, campaignName: string | null): TScheduledReport {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    campaignId: row.campaignId,
    campaignName,
    filters: row.filters,
    rrule: row.rrule,
    timezone: row.timezone,
    recipientUserIds: row.recipientUserIds,
    enabled: row.enabled,
    nextRunAt: row.nextRunAt,
    lastSentAt: row.lastSentAt,
    createdByUserId: row.createdByUserId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The campaign's name for a schedule's answer (null for a dashboard report). */
export async function campaignNameOf(db: Queryable, campaignId: string | null): Promise<string | null> {
  if (!campaignId) return null;
  const [row] = await db.select({ name: campaigns.name }).from(campaigns).where(eq(campaigns.id, campaignId));
  return row?.name ?? null;
}
