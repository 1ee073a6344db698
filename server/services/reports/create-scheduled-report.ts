import { scheduledReports } from "@/db/schema";
import { invalid } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { campaignNameOf, checkReportRule, checkReportTargets, toScheduledReport } from "./schedule-rows";
import { ZCreateScheduledReportInput, type TCreateScheduledReportInput, type TScheduledReport } from "./schemas";

/** The first issue of a failed parse as INVALID naming its field. */
export function parseOrInvalid<T>(
  result:
    { success: true; data: T } | { success: false; error: { issues: { message: string; path: PropertyKey[] }[] } },
): T {
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw invalid(issue.message, issue.path.map(String).join(".") || undefined);
}

/**
 * Creates a scheduled report: the rule must parse and repeat at most hourly in a real zone, the
 * campaign and topic must be the workspace's, every recipient a member (INVALID naming the field,
 * nothing stored). Its first send is the rule's next occurrence. Audited (`scheduled_report.created`).
 */
export async function createScheduledReport({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCreateScheduledReportInput;
}): Promise<TScheduledReport> {
  const value = parseOrInvalid(ZCreateScheduledReportInput.safeParse(input));
  const now = ctx.now();
  const first = checkReportRule(value, now);
  return inTransaction(ctx.db, async (tx) => {
    await checkReportTargets(tx, ctx.workspaceId, value);
    const [row] = await tx
      .insert(scheduledReports)
      .values({
        workspaceId: ctx.workspaceId,
        name: value.name,
        kind: value.kind,
        campaignId: value.kind === "campaign" ? value.campaignId : null,
        filters: value.filters,
        rrule: value.rrule.replace(/^RRULE:/i, ""),
        timezone: value.timezone,
        anchorAt: now,
        recipientUserIds: [...new Set(value.recipientUserIds)],
        enabled: value.enabled,
        nextRunAt: value.enabled ? first : null,
        createdByUserId: ctx.actor.type === "user" ? ctx.actor.userId : null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await writeAudit(tx, ctx, {
      action: "scheduled_report.created",
      targetType: "scheduled_report",
      targetId: row!.id,
      after: {
        name: row!.name,
        kind: row!.kind,
        campaignId: row!.campaignId,
        filters: row!.filters,
        rrule: row!.rrule,
        timezone: row!.timezone,
        recipientUserIds: row!.recipientUserIds,
        enabled: row!.enabled,
      },
    });
    return toScheduledReport(row!, await campaignNameOf(tx, row!.campaignId));
  });
}
