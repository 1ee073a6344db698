import { and, desc, eq, inArray } from "drizzle-orm";
import { campaignRuns } from "@/db/schema";
import { conflict } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { findCampaign } from "./rows";
import { addCampaignEvent, campaignView, syncCampaignStatus } from "./runs";
import type { ScheduledCampaign } from "./schedule-campaign";
import { ZCampaignActionInput, type TCampaignActionInput } from "./schemas";

/**
 * "Send to the rest": after a run was cancelled or failed, a follow-up run (its own id, counts and
 * message keys) for exactly the recipients that run never sent: pending, cancelled or skipped
 * ones, and those whose message was cancelled before it reached the provider. They go through the
 * policy again (an opt-out since then blocks them). Starts now. Audited.
 */
export async function sendCampaignToRest({
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
    const [last] = await tx
      .select()
      .from(campaignRuns)
      .where(and(eq(campaignRuns.campaignId, row.id), inArray(campaignRuns.status, ["cancelled", "failed"])))
      .orderBy(desc(campaignRuns.createdAt), desc(campaignRuns.id))
      .limit(1);
    if (!last || (row.status !== "cancelled" && row.status !== "failed"))
      throw conflict("Only a cancelled or failed campaign can be sent to the rest");
    const [run] = await tx
      .insert(campaignRuns)
      .values({
        workspaceId: row.workspaceId,
        campaignId: row.id,
        kind: "follow_up",
        parentRunId: last.id,
        status: "scheduled",
        scheduledFor: now,
        schedule: { type: "now" },
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await addCampaignEvent(tx, {
      workspaceId: row.workspaceId,
      campaignId: row.id,
      runId: run!.id,
      type: "follow_up",
      detail: { parentRunId: last.id },
      at: now,
    });
    await syncCampaignStatus(tx, row.id, now);
    await writeAudit(tx, ctx, {
      action: "campaign.sent_to_rest",
      targetType: "campaign",
      targetId: row.id,
      after: { runId: run!.id, parentRunId: last.id },
    });
    const updated = await findCampaign(tx, ctx.workspaceId, row.id);
    return { campaign: await campaignView(tx, updated), runIds: [run!.id] };
  });
}
