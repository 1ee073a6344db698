import { and, eq, inArray, sql } from "drizzle-orm";
import { campaignRuns } from "@/db/schema";
import { resultRows } from "@/db/map-rows";
import { conflict } from "@/server/lib/errors";
import { OPEN_CAMPAIGN_RUN_STATUSES } from "@/server/shared/enums";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { countCapSkipped } from "./cap-skipped";
import { findCampaign } from "./rows";
import { addCampaignEvent, campaignView, syncCampaignStatus } from "./runs";
import type { ScheduledCampaign } from "./schedule-campaign";
import { ZCampaignActionInput, type TCampaignActionInput } from "./schemas";

const ALREADY_OPEN = "A send to the cap-skipped recipients of this campaign is already under way";

/**
 * "Send to the cap-skipped": a follow-up run (`cap_follow_up`, its own id, counts and message
 * keys) for the recipients a frequency cap blocked in the campaign's runs and that no later run
 * has reached (`capSkippedContactsSql`; the audience is fixed when the run starts). They go
 * through the policy again when their chunk is sent: the caps still apply (they may have cleared
 * since), and so do consent and suppression (an opt-out since then blocks them). Starts now.
 *
 * 409 when the campaign is a draft or archived, when another cap follow-up of it is still open
 * (scheduled, materialising, sending or paused: the `campaign_runs_open_cap_follow_up_key` unique
 * index makes this hold under concurrency too), or when no recipient is cap-skipped. Audited.
 */
export async function sendCampaignToCapSkipped({
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
    if (row.status === "draft" || row.status === "archived")
      throw conflict("Only a campaign that has been sent can be sent to its cap-skipped recipients");
    const [open] = await tx
      .select({ id: campaignRuns.id })
      .from(campaignRuns)
      .where(
        and(
          eq(campaignRuns.campaignId, row.id),
          eq(campaignRuns.kind, "cap_follow_up"),
          inArray(campaignRuns.status, [...OPEN_CAMPAIGN_RUN_STATUSES]),
        ),
      )
      .limit(1);
    if (open) throw conflict(ALREADY_OPEN);
    const recipients = await countCapSkipped(tx, row.workspaceId, row.id);
    if (recipients === 0) throw conflict("No recipient of this campaign was skipped by a frequency cap");
    // The unique partial index answers a concurrent twin: nothing inserted → an open one exists.
    const inserted = await tx.execute(sql`
      insert into ${campaignRuns} (workspace_id, campaign_id, kind, status, scheduled_for, schedule, created_at, updated_at)
      values (${row.workspaceId}::uuid, ${row.id}::uuid, 'cap_follow_up', 'scheduled', ${now.toISOString()}::timestamptz,
              ${JSON.stringify({ type: "now" })}::jsonb, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
      on conflict do nothing
      returning id::text as id`);
    const runId = resultRows<{ id: string }>(inserted)[0]?.id;
    if (!runId) throw conflict(ALREADY_OPEN);
    await addCampaignEvent(tx, {
      workspaceId: row.workspaceId,
      campaignId: row.id,
      runId,
      type: "cap_follow_up",
      detail: { recipients },
      at: now,
    });
    await syncCampaignStatus(tx, row.id, now);
    await writeAudit(tx, ctx, {
      action: "campaign.sent_to_cap_skipped",
      targetType: "campaign",
      targetId: row.id,
      after: { runId, recipients },
    });
    const updated = await findCampaign(tx, ctx.workspaceId, row.id);
    return { campaign: await campaignView(tx, updated), runIds: [runId] };
  });
}
