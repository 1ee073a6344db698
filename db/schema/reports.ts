import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { ScheduledReportKind, ScheduledReportRange } from "../../server/shared/enums";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";
import { bytea, campaigns } from "./campaigns";
import { users, workspaces } from "./workspaces";

/** The filters of a scheduled report: a dashboard's range, topic and channel (a campaign's report has none). */
export interface ScheduledReportFilters {
  range: ScheduledReportRange;
  topic: string | null;
  channel: "email" | "sms" | null;
}

/**
 * A report mailed as a PDF on a recurrence rule (RFC 5545, read in `timezone`) to chosen members
 * of the workspace. The due-report job claims rows whose `next_run_at` has come.
 */
export const scheduledReports = pgTable(
  "scheduled_reports",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind").$type<ScheduledReportKind>().notNull(),
    /** The campaign reported (kind `campaign`); deleting the campaign deletes the schedule. */
    campaignId: uuid("campaign_id").references(() => campaigns.id, { onDelete: "cascade" }),
    filters: jsonb("filters").$type<ScheduledReportFilters>().notNull(),
    rrule: text("rrule").notNull(),
    timezone: text("timezone").notNull(),
    /** When the rule was last set: its DTSTART (occurrences are counted from here). */
    anchorAt: timestampTz("anchor_at").notNull(),
    /** Members (user ids) the PDF is mailed to. */
    recipientUserIds: jsonb("recipient_user_ids").$type<string[]>().notNull(),
    enabled: boolean("enabled").notNull().default(true),
    /** The next occurrence to send; null when disabled or the rule has ended. */
    nextRunAt: timestampTz("next_run_at"),
    lastSentAt: timestampTz("last_sent_at"),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("scheduled_reports_workspace_idx").on(t.workspaceId, t.createdAt),
    index("scheduled_reports_due_idx")
      .on(t.nextRunAt)
      .where(sql`${t.enabled} and ${t.nextRunAt} is not null`),
  ],
);
export type ScheduledReportRow = typeof scheduledReports.$inferSelect;

/**
 * The PDF of one occurrence of a scheduled report, carried by its emails as an attachment
 * (`options.attachments`); one per schedule and occurrence, so a retried send reuses it.
 */
export const reportFiles = pgTable(
  "report_files",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    scheduleId: uuid("schedule_id")
      .notNull()
      .references(() => scheduledReports.id, { onDelete: "cascade" }),
    occurrenceAt: timestampTz("occurrence_at").notNull(),
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    bytes: bytea("bytes").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("report_files_occurrence_uq").on(t.scheduleId, t.occurrenceAt)],
);
export type ReportFileRow = typeof reportFiles.$inferSelect;
