import { and, eq, inArray, sql } from "drizzle-orm";
import {
  AWAITING_DELIVERY_SQL,
  campaignRecipients,
  campaignRuns,
  campaigns,
  messageEvents,
  messages,
} from "@/db/schema";
import { resultRows } from "@/db/map-rows";
import { lockClass } from "@/server/lib/advisory-locks";
import { conflict } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { RUN_LOCK } from "./freeze-run";
import { findCampaign } from "./rows";
import { addCampaignEvent, campaignView, CANCELLED_REASON, moveRun } from "./runs";
import { ZCampaignActionInput, type TCampaign, type TCampaignActionInput } from "./schemas";

/**
 * Cancels a campaign: its active runs end `cancelled`, their pending recipients become
 * `cancelled`, and their messages not yet handed to a provider (queued or deferred) end `failed`
 * with reason `cancelled`; messages already with the provider (sending, sent…) are reported as
 * such. No further occurrence of a recurring campaign is created. "Send to the rest" later starts
 * a follow-up run for exactly the never-sent (`sendCampaignToRest`). Idempotent. Audited.
 */
export async function cancelCampaign({
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
    if (row.status === "cancelled") return await campaignView(tx, row);
    if (!["scheduled", "sending", "paused"].includes(row.status))
      throw conflict(`Only a scheduled, sending or paused campaign can be cancelled; this one is ${row.status}`);
    await tx.update(campaigns).set({ nextRunAt: null, updatedAt: now }).where(eq(campaigns.id, row.id));
    const active = await tx
      .select()
      .from(campaignRuns)
      .where(
        and(
          eq(campaignRuns.campaignId, row.id),
          inArray(campaignRuns.status, ["scheduled", "materialising", "sending", "paused"]),
        ),
      );
    let cancelledRecipients = 0;
    let cancelledMessages = 0;
    for (const run of active) {
      await lockClass(tx, RUN_LOCK, run.id);
      const pending = await tx
        .update(campaignRecipients)
        .set({ status: "cancelled" })
        .where(and(eq(campaignRecipients.runId, run.id), eq(campaignRecipients.status, "pending")))
        .returning({ contactId: campaignRecipients.contactId });
      cancelledRecipients += pending.length;
      // Set-based and guarded on the status: a message the outbox claimed meanwhile (sending) is left to it.
      const failed = resultRows<{ id: string }>(
        await tx.execute(sql`
          with moved as (
            update ${messages} set status = 'failed', reason = ${CANCELLED_REASON}, failed_at = ${now.toISOString()}::timestamptz,
                   next_attempt_at = null, updated_at = now()
             where campaign_run_id = ${run.id}::uuid and status in ${AWAITING_DELIVERY_SQL}
            returning id, workspace_id
          )
          insert into ${messageEvents} (workspace_id, message_id, status, source, detail, occurred_at)
          select workspace_id, id, 'failed', 'pipeline', ${JSON.stringify({ reason: CANCELLED_REASON })}::jsonb,
                 ${now.toISOString()}::timestamptz
            from moved
          returning message_id::text as id`),
      );
      cancelledMessages += failed.length;
      await moveRun(tx, {
        run,
        from: ["scheduled", "materialising", "sending", "paused"],
        to: "cancelled",
        reason: "manual",
        at: now,
      });
      await addCampaignEvent(tx, {
        workspaceId: row.workspaceId,
        campaignId: row.id,
        runId: run.id,
        type: "cancelled",
        detail: { recipients: pending.length, messages: failed.length },
        at: now,
      });
    }
    await tx.update(campaigns).set({ status: "cancelled", updatedAt: now }).where(eq(campaigns.id, row.id));
    await writeAudit(tx, ctx, {
      action: "campaign.cancelled",
      targetType: "campaign",
      targetId: row.id,
      before: { status: row.status },
      after: { status: "cancelled", recipients: cancelledRecipients, messages: cancelledMessages },
    });
    const updated = await findCampaign(tx, ctx.workspaceId, row.id);
    return await campaignView(tx, updated);
  });
}
