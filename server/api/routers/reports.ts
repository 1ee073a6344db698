import { z } from "zod";
import {
  createScheduledReport,
  deleteScheduledReport,
  listScheduledReports,
  previewReportSchedule,
  updateScheduledReport,
  ZCreateScheduledReportInput,
  ZPreviewReportScheduleInput,
  ZReportSchedulePreview,
  ZScheduledReport,
  ZScheduledReportIdInput,
  ZUpdateScheduledReportInput,
} from "@/server/services/reports";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

const TAGS = ["Reports"];
/** Members read from viewer up; keys need `campaigns:read`. */
const read = workspaceProcedure({ scope: "campaigns:read", role: "viewer" });
/** Marketers and up manage schedules; so does a key with `campaigns:write`. */
const write = workspaceProcedure({ scope: "campaigns:write", role: "marketer" });

export const reportsRouter = createTRPCRouter({
  listSchedules: read
    .meta({
      openapi: {
        method: "GET",
        path: "/reports/schedules",
        tags: TAGS,
        summary: "List scheduled reports",
        description:
          "The workspace's scheduled reports by name, with their next and last send. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(z.object({}).optional())
    .output(z.object({ items: z.array(ZScheduledReport).describe("Scheduled reports, by name") }))
    .query(async ({ ctx }) => ({ items: await listScheduledReports({ ctx: ctx.svc }) })),

  previewSchedule: read
    .meta({
      openapi: {
        method: "GET",
        path: "/reports/schedules/preview",
        tags: TAGS,
        summary: "Preview a report schedule",
        description:
          "The next three sends of a recurrence rule read in a zone, from now. 400 naming `rrule` or `timezone` when bad. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZPreviewReportScheduleInput)
    .output(ZReportSchedulePreview)
    .query(({ ctx, input }) => previewReportSchedule({ ctx: ctx.svc, input })),

  createSchedule: write
    .meta({
      openapi: {
        method: "POST",
        path: "/reports/schedules",
        tags: TAGS,
        summary: "Schedule a report",
        description:
          "Emails the dashboard or a campaign's report as a PDF to members of the workspace on a recurrence rule. 400 naming the field for a bad rule, zone, campaign, topic or recipient. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZCreateScheduledReportInput)
    .output(ZScheduledReport)
    .mutation(({ ctx, input }) => createScheduledReport({ ctx: ctx.svc, input })),

  updateSchedule: write
    .meta({
      openapi: {
        method: "PATCH",
        path: "/reports/schedules/{id}",
        tags: TAGS,
        summary: "Change a scheduled report",
        description:
          "Changes the fields given (e.g. `enabled: false` to pause it). A new rule or zone, or enabling it, sets the next send to the rule's next occurrence. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZUpdateScheduledReportInput)
    .output(ZScheduledReport)
    .mutation(({ ctx, input }) => updateScheduledReport({ ctx: ctx.svc, input })),

  deleteSchedule: write
    .meta({
      openapi: {
        method: "DELETE",
        path: "/reports/schedules/{id}",
        tags: TAGS,
        summary: "Delete a scheduled report",
        description: "Deletes the schedule and its stored PDFs. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZScheduledReportIdInput)
    .output(
      z.object({ id: z.uuid().describe("The deleted schedule"), deleted: z.literal(true).describe("Always true") }),
    )
    .mutation(({ ctx, input }) => deleteScheduledReport({ ctx: ctx.svc, input })),
});
