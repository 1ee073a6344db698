import { eq } from "drizzle-orm";
import { scheduledReports } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { parseOrInvalid } from "./create-scheduled-report";
import { loadSchedule } from "./schedule-rows";
import { ZScheduledReportIdInput } from "./schemas";

/** Deletes a scheduled report (its stored PDFs go with it). NOT_FOUND for another workspace's. Audited. */
export async function deleteScheduledReport({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string };
}): Promise<{ id: string; deleted: true }> {
  const { id } = parseOrInvalid(ZScheduledReportIdInput.safeParse(input));
  return inTransaction(ctx.db, async (tx) => {
    const row = await loadSchedule(tx, ctx.workspaceId, id);
    await tx.delete(scheduledReports).where(eq(scheduledReports.id, row.id));
    await writeAudit(tx, ctx, {
      action: "scheduled_report.deleted",
      targetType: "scheduled_report",
      targetId: row.id,
      before: { name: row.name, kind: row.kind, rrule: row.rrule, timezone: row.timezone },
    });
    return { id: row.id, deleted: true as const };
  });
}
