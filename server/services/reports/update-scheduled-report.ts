import { eq } from "drizzle-orm";
import { scheduledReports } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { parseOrInvalid } from "./create-scheduled-report";
import { campaignNameOf, checkReportRule, checkReportTargets, loadSchedule, toScheduledReport } from "./schedule-rows";
import { ZUpdateScheduledReportInput, type TScheduledReport, type TUpdateScheduledReportInput } from "./schemas";

/**
 * Changes a scheduled report (the fields given), checked as on create. A new rule or zone, or
 * enabling it again, sets the next send to the rule's next occurrence after now; disabling clears
 * it. NOT_FOUND for another workspace's. Audited (`scheduled_report.updated`, before and after).
 */
export async function updateScheduledReport({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateScheduledReportInput;
}): Promise<TScheduledReport> {
  const patch = parseOrInvalid(ZUpdateScheduledReportInput.safeParse(input));
  const now = ctx.now();
  return inTransaction(ctx.db, async (tx) => {
    const before = await loadSchedule(tx, ctx.workspaceId, patch.id);
    const kind = patch.kind ?? before.kind;
    const next = {
      name: patch.name ?? before.name,
      kind,
      campaignId: kind === "campaign" ? (patch.campaignId !== undefined ? patch.campaignId : before.campaignId) : null,
      filters: patch.filters ?? before.filters,
      rrule: (patch.rrule ?? before.rrule).replace(/^RRULE:/i, ""),
      timezone: patch.timezone ?? before.timezone,
      recipientUserIds: [...new Set(patch.recipientUserIds ?? before.recipientUserIds)],
      enabled: patch.enabled ?? before.enabled,
    };
    const ruleChanged = next.rrule !== before.rrule || next.timezone !== before.timezone;
    const anchorAt = ruleChanged ? now : before.anchorAt;
    const first = checkReportRule(next, now);
    await checkReportTargets(tx, ctx.workspaceId, next);
    const nextRunAt = !next.enabled
      ? null
      : ruleChanged || !before.enabled || !before.nextRunAt
        ? first
        : before.nextRunAt;
    const [row] = await tx
      .update(scheduledReports)
      .set({ ...next, anchorAt, nextRunAt, updatedAt: now })
      .where(eq(scheduledReports.id, before.id))
      .returning();
    const summary = (r: typeof before) => ({
      name: r.name,
      kind: r.kind,
      campaignId: r.campaignId,
      filters: r.filters,
      rrule: r.rrule,
      timezone: r.timezone,
      recipientUserIds: r.recipientUserIds,
      enabled: r.enabled,
    });
    await writeAudit(tx, ctx, {
      action: "scheduled_report.updated",
      targetType: "scheduled_report",
      targetId: before.id,
      before: summary(before),
      after: summary(row!),
    });
    return toScheduledReport(row!, await campaignNameOf(tx, row!.campaignId));
  });
}
