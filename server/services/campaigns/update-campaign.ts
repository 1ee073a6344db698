import { eq } from "drizzle-orm";
import { campaigns } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import {
  checkContent,
  checkSegments,
  checkTemplate,
  findCampaign,
  requireDraft,
  resolveTopic,
  toCampaign,
  topicKeyOf,
} from "./rows";
import { ZUpdateCampaignInput, type TCampaign, type TUpdateCampaignInput } from "./schemas";

/**
 * Changes a draft (anything but its channel). Giving `templateId` clears inline content and the
 * other way round; `segmentId: null` makes the audience everyone with an address on the channel.
 * Another status → CONFLICT. The last dry run is kept but no longer describes the campaign once
 * its audience or content changed, so it is cleared. Audited (`campaign.updated`).
 */
export async function updateCampaign({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateCampaignInput;
}): Promise<TCampaign> {
  const values = ZUpdateCampaignInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const row = await findCampaign(tx, ctx.workspaceId, values.id, { lock: true });
    requireDraft(row);
    const topic = values.topic
      ? await resolveTopic(tx, ctx.workspaceId, values.topic, row.channel)
      : { id: row.topicId, key: await topicKeyOf(tx, row) };
    const segmentId = values.segmentId !== undefined ? values.segmentId : row.segmentId;
    const exclusionSegmentIds = values.exclusionSegmentIds ?? row.exclusionSegmentIds;
    await checkSegments(tx, ctx.workspaceId, segmentId, exclusionSegmentIds);
    let templateId = row.templateId;
    let content = row.content;
    if (values.templateId) {
      await checkTemplate(tx, ctx.workspaceId, values.templateId, row.channel);
      templateId = values.templateId;
      content = null;
    } else if (values.content) {
      checkContent(row.channel, values.content);
      content = values.content;
      templateId = null;
    }
    const [updated] = await tx
      .update(campaigns)
      .set({
        name: values.name ?? row.name,
        topicId: topic.id,
        kind: values.kind ?? row.kind,
        segmentId,
        exclusionSegmentIds,
        templateId,
        content,
        lastDryRun: null,
        lastDryRunAt: null,
        updatedAt: ctx.now(),
      })
      .where(eq(campaigns.id, row.id))
      .returning();
    await writeAudit(tx, ctx, {
      action: "campaign.updated",
      targetType: "campaign",
      targetId: row.id,
      before: {
        name: row.name,
        topicId: row.topicId,
        kind: row.kind,
        segmentId: row.segmentId,
        exclusionSegmentIds: row.exclusionSegmentIds,
        templateId: row.templateId,
      },
      after: {
        name: updated!.name,
        topicId: updated!.topicId,
        kind: updated!.kind,
        segmentId: updated!.segmentId,
        exclusionSegmentIds: updated!.exclusionSegmentIds,
        templateId: updated!.templateId,
        contentChanged: values.content !== undefined && values.content !== null,
      },
    });
    return toCampaign(updated!, topic.key);
  });
}
