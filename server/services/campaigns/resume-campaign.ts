import { and, eq } from "drizzle-orm";
import { campaignRuns } from "@/db/schema";
import { lockClass } from "@/server/lib/advisory-locks";
import { conflict } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { RUN_LOCK } from "./freeze-run";
import { findCampaign } from "./rows";
import { addCampaignEvent, campaignView, moveRun } from "./runs";
import { ZCampaignActionInput, type TCampaignActionInput } from "./schemas";
import type { ScheduledCampaign } from "./schedule-campaign";

/**
 * Resumes a paused campaign: each paused run goes back to `sending` (or to `scheduled` when it
 * was paused before it started, or paused for review before its audience was used: a run paused
 * for drift resumes sending its frozen audience, the marketer having reviewed it). The caller
 * starts the runs' jobs again (`runIds`); recipients already handed are never sent twice (the
 * run's message keys). Audited.
 */
export async function resumeCampaign({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCampaignActionInput;
}): Promise<ScheduledCampaign> {
  const { id } = ZCampaignActionInput.parse(input);
  const now = ctx.now();
  return inTransaction(ctx.db, async (tx) => {
    const row = await findCampaign(tx, ctx.workspaceId, id, { lock: true });
    if (row.status !== "paused") throw conflict(`Only a paused campaign can be resumed; this one is ${row.status}`);
    const paused = await tx
      .select()
      .from(campaignRuns)
      .where(and(eq(campaignRuns.campaignId, row.id), eq(campaignRuns.status, "paused")));
    const runIds: string[] = [];
    for (const run of paused) {
      await lockClass(tx, RUN_LOCK, run.id);
      const to = run.frozenAt ? "sending" : "scheduled";
      const moved = await moveRun(tx, { run, from: ["paused"], to, at: now });
      if (!moved) continue;
      runIds.push(run.id);
      await addCampaignEvent(tx, {
        workspaceId: row.workspaceId,
        campaignId: row.id,
        runId: run.id,
        type: "resumed",
        detail: { after: run.statusReason },
        at: now,
      });
    }
    await writeAudit(tx, ctx, {
      action: "campaign.resumed",
      targetType: "campaign",
      targetId: row.id,
      before: { status: row.status },
      after: { runs: runIds },
    });
    const updated = await findCampaign(tx, ctx.workspaceId, row.id);
    return { campaign: await campaignView(tx, updated), runIds };
  });
}
