import { campaigns } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { actorId, inTransaction, type ServiceContext } from "../context";
import { findCampaign, toCampaign, topicKeyOf } from "./rows";
import { ZDuplicateCampaignInput, type TCampaign, type TDuplicateCampaignInput } from "./schemas";

/**
 * A new draft with the campaign's channel, topic, kind, audience and content, named
 * "Copy of …"; its dry run starts empty. Any status may be copied. Audited
 * (`campaign.created`, with `duplicatedFrom`).
 */
export async function duplicateCampaign({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TDuplicateCampaignInput;
}): Promise<TCampaign> {
  const { id } = ZDuplicateCampaignInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const source = await findCampaign(tx, ctx.workspaceId, id);
    const now = ctx.now();
    const [row] = await tx
      .insert(campaigns)
      .values({
        workspaceId: ctx.workspaceId,
        name: `Copy of ${source.name}`.slice(0, 120),
        channel: source.channel,
        topicId: source.topicId,
        kind: source.kind,
        segmentId: source.segmentId,
        exclusionSegmentIds: source.exclusionSegmentIds,
        templateId: source.templateId,
        content: source.content,
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
      after: { name: row!.name, channel: row!.channel, duplicatedFrom: source.id },
    });
    return toCampaign(row!, await topicKeyOf(tx, row!));
  });
}
