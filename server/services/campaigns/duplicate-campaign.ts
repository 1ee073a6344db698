import { sql } from "drizzle-orm";
import { campaignAttachments, campaigns } from "@/db/schema";
import { resultRows } from "@/db/map-rows";
import { writeAudit } from "../audit/write-audit";
import { actorId, inTransaction, type ServiceContext } from "../context";
import { findCampaign, toCampaign, topicKeyOf } from "./rows";
import { ZDuplicateCampaignInput, type TCampaign, type TDuplicateCampaignInput } from "./schemas";

/**
 * A new draft with the campaign's channel, topic, kind, audience, content and A/B test settings, named
 * "Copy of …"; its dry run starts empty. An email campaign's files come along (copied in the
 * database, one statement), with how they are delivered and the web-version link; the other
 * sending options do not. Any status may be copied. Audited (`campaign.created`, with
 * `duplicatedFrom` and the number of files).
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
        // The A/B test's settings come along, as a test not yet run.
        abTest: source.abTest
          ? { ...source.abTest, status: "draft" as const, winner: null, decidedAt: null, pValue: null }
          : null,
        options: {
          ...(source.options.attachmentDelivery ? { attachmentDelivery: source.options.attachmentDelivery } : {}),
          ...(source.options.webVersionLink ? { webVersionLink: true } : {}),
        },
        status: "draft",
        createdByType: ctx.actor.type,
        createdById: actorId(ctx.actor),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const copied = await tx.execute(sql`
      insert into ${campaignAttachments}
        (workspace_id, campaign_id, filename, content_type, size_bytes, bytes, sha256, created_at, created_by_type, created_by_id)
      select workspace_id, ${row!.id}::uuid, filename, content_type, size_bytes, bytes, sha256, created_at,
             ${ctx.actor.type}, ${actorId(ctx.actor)}
        from ${campaignAttachments}
       where workspace_id = ${ctx.workspaceId}::uuid and campaign_id = ${source.id}::uuid
      returning id`);
    const files = resultRows(copied).length;
    await writeAudit(tx, ctx, {
      action: "campaign.created",
      targetType: "campaign",
      targetId: row!.id,
      after: { name: row!.name, channel: row!.channel, duplicatedFrom: source.id, ...(files > 0 ? { files } : {}) },
    });
    return toCampaign(row!, await topicKeyOf(tx, row!));
  });
}
