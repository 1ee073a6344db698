import { and, eq, inArray } from "drizzle-orm";
import { campaignRuns } from "@/db/schema";
import { lockClass } from "@/server/lib/advisory-locks";
import { conflict } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { RUN_LOCK } from "./freeze-run";
import { findCampaign } from "./rows";
import { addCampaignEvent, campaignView, moveRun } from "./runs";
import { ZCampaignActionInput, type TCampaign, type TCampaignActionInput } from "./schemas";

/**
 * Pauses a campaign's active run (scheduled, or sending): the run's job stops before its next
 * chunk (a chunk being recorded finishes under the run's lock), and nothing more is recorded until
 * `resumeCampaign`. Messages already recorded keep going to the provider. A recurring campaign's
 * later occurrences are not created while it is paused. Idempotent on a paused campaign. Audited.
 */
export async function pauseCampaign({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCampaignActionInput;
}): Promise<TCampaign> {
  const { id } = ZCampaignActionInput.parse(input);
  const now = ctx.now();
  return inTransaction(ctx.db, async (tx) => {
    const row = await findCampaign(tx, ctx.workspaceId, id, { lock: true });
    if (row.status === "paused") return await campaignView(tx, row);
    if (row.status !== "sending" && row.status !== "scheduled")
      throw conflict(`Only a scheduled or sending campaign can be paused; this one is ${row.status}`);
    const active = await tx
      .select()
      .from(campaignRuns)
      .where(
        and(
          eq(campaignRuns.campaignId, row.id),
          inArray(campaignRuns.status, ["scheduled", "materialising", "sending"]),
        ),
      );
    for (const run of active) {
      await lockClass(tx, RUN_LOCK, run.id);
      await moveRun(tx, {
        run,
        from: ["scheduled", "materialising", "sending"],
        to: "paused",
        reason: "manual",
        at: now,
      });
      await addCampaignEvent(tx, {
        workspaceId: row.workspaceId,
        campaignId: row.id,
        runId: run.id,
        type: "paused",
        detail: { reason: "manual", wasScheduled: run.status === "scheduled" },
        at: now,
      });
    }
    await writeAudit(tx, ctx, {
      action: "campaign.paused",
      targetType: "campaign",
      targetId: row.id,
      before: { status: row.status },
      after: { status: "paused", runs: active.map((r) => r.id) },
    });
    const updated = await findCampaign(tx, ctx.workspaceId, row.id);
    return await campaignView(tx, updated);
  });
}
