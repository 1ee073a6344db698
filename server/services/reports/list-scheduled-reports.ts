import { asc, eq } from "drizzle-orm";
import { campaigns, scheduledReports } from "@/db/schema";
import type { ServiceContext } from "../context";
import { toScheduledReport, upcomingSends } from "./schedule-rows";
import { ZPreviewReportScheduleInput, type TPreviewReportScheduleInput, type TScheduledReport } from "./schemas";
import { parseOrInvalid } from "./create-scheduled-report";

/** The workspace's scheduled reports, by name, each with its campaign's name. */
export async function listScheduledReports({ ctx }: { ctx: ServiceContext }): Promise<TScheduledReport[]> {
  const rows = await ctx.db
    .select({ row: scheduledReports, campaignName: campaigns.name })
    .from(scheduledReports)
    .leftJoin(campaigns, eq(campaigns.id, scheduledReports.campaignId))
    .where(eq(scheduledReports.workspaceId, ctx.workspaceId))
    .orderBy(asc(scheduledReports.name), asc(scheduledReports.createdAt));
  return rows.map((r) => toScheduledReport(r.row, r.campaignName));
}

/** The next three sends of a rule set now (for the form's preview); a bad rule or zone is INVALID naming it. */
export async function previewReportSchedule({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TPreviewReportScheduleInput;
}): Promise<{ occurrences: Date[] }> {
  const value = parseOrInvalid(ZPreviewReportScheduleInput.safeParse(input));
  const now = ctx.now();
  return { occurrences: upcomingSends(value, now, now, 3) };
}
