import { z } from "zod";
import { CHANNELS, SCHEDULED_REPORT_KINDS, SCHEDULED_REPORT_RANGES } from "@/server/shared/enums";

const ZRule = z
  .string()
  .trim()
  .min(1, "Give a recurrence rule")
  .max(500)
  .describe(
    "RFC 5545 recurrence rule without DTSTART, read in `timezone` (e.g. `FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0`); daily, weekly, monthly or yearly",
  );
const ZZone = z.string().trim().min(1).max(100).describe("IANA time zone the rule is read in (e.g. `Europe/Paris`)");

export const ZScheduledReportFilters = z
  .object({
    range: z
      .enum(SCHEDULED_REPORT_RANGES)
      .default("last_7_days")
      .describe(
        "Dashboard range at send time, in the workspace's zone: `last_7_days` / `last_30_days` (ending yesterday) or `previous_month`",
      ),
    topic: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .nullable()
      .default(null)
      .describe("Only this topic key (null: every topic)"),
    channel: z.enum(CHANNELS).nullable().default(null).describe("Only this channel (null: both)"),
  })
  .describe("Filters of a dashboard report (ignored for a campaign report)");

const fields = {
  name: z.string().trim().min(1, "Give the schedule a name").max(200).describe("Name shown in the list and the email"),
  kind: z
    .enum(SCHEDULED_REPORT_KINDS)
    .describe("`dashboard`: the analytics dashboard; `campaign`: one campaign's report"),
  campaignId: z.uuid("Choose a campaign").nullable().default(null).describe("The campaign (kind `campaign`)"),
  filters: ZScheduledReportFilters.default({ range: "last_7_days", topic: null, channel: null }),
  rrule: ZRule,
  timezone: ZZone,
  recipientUserIds: z
    .array(z.uuid("Not a member id"))
    .min(1, "Choose at least one recipient")
    .max(50, "At most 50 recipients")
    .describe("Members (user ids) of the workspace the PDF is emailed to"),
  enabled: z.boolean().default(true).describe("Whether it is sent (false: paused)"),
};

export const ZCreateScheduledReportInput = z.object(fields).describe("A new scheduled report");
export type TCreateScheduledReportInput = z.input<typeof ZCreateScheduledReportInput>;

export const ZUpdateScheduledReportInput = z
  .object({
    id: z.uuid().describe("Scheduled report id"),
    name: fields.name.optional(),
    kind: fields.kind.optional(),
    campaignId: z.uuid("Choose a campaign").nullable().optional().describe("The campaign (kind `campaign`)"),
    filters: ZScheduledReportFilters.optional(),
    rrule: ZRule.optional(),
    timezone: ZZone.optional(),
    recipientUserIds: fields.recipientUserIds.optional(),
    enabled: z.boolean().optional().describe("Whether it is sent (false: paused)"),
  })
  .describe("The fields to change (absent: unchanged)");
export type TUpdateScheduledReportInput = z.input<typeof ZUpdateScheduledReportInput>;

export const ZScheduledReportIdInput = z.object({ id: z.uuid().describe("Scheduled report id") });

export const ZPreviewReportScheduleInput = z.object({
  rrule: ZRule,
  timezone: ZZone,
});
export type TPreviewReportScheduleInput = z.input<typeof ZPreviewReportScheduleInput>;

export const ZReportSchedulePreview = z.object({
  occurrences: z.array(z.date()).describe("The next occurrences after now (at most 3)"),
});

export const ZScheduledReport = z.object({
  id: z.uuid().describe("Scheduled report id"),
  name: z.string().describe("Name"),
  kind: z.enum(SCHEDULED_REPORT_KINDS).describe("`dashboard` or `campaign`"),
  campaignId: z.uuid().nullable().describe("The campaign reported (kind `campaign`)"),
  campaignName: z.string().nullable().describe("Its name"),
  filters: z
    .object({
      range: z.enum(SCHEDULED_REPORT_RANGES).describe("Dashboard range at send time"),
      topic: z.string().nullable().describe("Topic key filtered on, or null"),
      channel: z.enum(CHANNELS).nullable().describe("Channel filtered on, or null"),
    })
    .describe("Dashboard filters"),
  rrule: z.string().describe("Recurrence rule"),
  timezone: z.string().describe("Zone the rule is read in"),
  recipientUserIds: z.array(z.uuid()).describe("Members the PDF is emailed to"),
  enabled: z.boolean().describe("Whether it is sent"),
  nextRunAt: z.date().nullable().describe("Next send; null when paused or the rule has ended"),
  lastSentAt: z.date().nullable().describe("Last send, or null"),
  createdByUserId: z.uuid().nullable().describe("Member who created it (notified when it is sent)"),
  createdAt: z.date().describe("Created"),
  updatedAt: z.date().describe("Last changed"),
});
export type TScheduledReport = z.infer<typeof ZScheduledReport>;
