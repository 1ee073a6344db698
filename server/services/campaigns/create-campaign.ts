import { campaigns } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { actorId, inTransaction, type ServiceContext } from "../context";
import { checkContent, checkSegments, checkTemplate, resolveTopic, toCampaign } from "./rows";
import { ZCreateCampaignInput, type TCampaign, type TCreateCampaignInput } from "./schemas";

/**
 * Creates a campaign in status `draft`. The topic must be offered on the channel, the segments
 * must exist and not be archived, the template must be on the channel (INVALID naming the field).
 * Without `segmentId` the audience is every contact with an address on the channel. Audited
 * (`campaign.created`).
 */
export async function createCampaign({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCreateCampaignInput;
}): Promise<TCampaign> {
  const values = ZCreateCampaignInput.parse(input);
  checkContent(values.channel, values.content);
  return inTransaction(ctx.db, async (tx) => {
    const topic = await resolveTopic(tx, ctx.workspaceId, values.topic, values.channel);
    await checkSegments(tx, ctx.workspaceId, values.segmentId ?? null, values.exclusionSegmentIds);
    if (values.templateId) await checkTemplate(tx, ctx.workspaceId, values.templateId, values.channel);
    const now = ctx.now();
    const [row] = await tx
      .insert(campaigns)
      .values({
        workspaceId: ctx.workspaceId,
        name: values.name,
        channel: values.channel,
        topicId: topic.id,
        kind: values.kind,
        segmentId: values.segmentId ?? null,
        exclusionSegmentIds: values.exclusionSegmentIds,
        templateId: values.templateId ?? null,
        content: values.content ?? null,
        status: "draft",
        createdByType: ctx.actor.type,
        createdById: actorId(ctx.actor),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await writeAudit(tx, ctx, {
      action: "campaign.created",
      targetType: "campaign",
      targetId: row!.id,
      after: {
        name: row!.name,
        channel: row!.channel,
        topic: topic.key,
        kind: row!.kind,
        segmentId: row!.segmentId,
        exclusionSegmentIds: row!.exclusionSegmentIds,
        templateId: row!.templateId,
        inlineContent: row!.content !== null,
      },
    });
    return toCampaign(row!, topic.key);
  });
}
