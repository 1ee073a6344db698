import { and, eq } from "drizzle-orm";
import { campaignAttachments, campaigns } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { assertAttachmentsEditable } from "./add-campaign-attachment";
import { listCampaignAttachments } from "./list-campaign-attachments";
import { findCampaign } from "./rows";
import {
  ZRemoveCampaignAttachmentInput,
  type TCampaignAttachmentList,
  type TRemoveCampaignAttachmentInput,
} from "./schemas";

/**
 * Removes a file from a campaign (draft, scheduled or paused: CONFLICT otherwise) and answers the
 * files left. Idempotent: a file that is not (or no longer) the campaign's changes nothing and
 * writes no audit row. Emails already recorded with it are sent without it; its download links
 * answer 404 from then on. Audited (`campaign.attachment_removed`).
 */
export async function removeCampaignAttachment({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TRemoveCampaignAttachmentInput;
}): Promise<TCampaignAttachmentList> {
  const { id, attachmentId } = ZRemoveCampaignAttachmentInput.parse(input);
  await inTransaction(ctx.db, async (tx) => {
    const campaign = await findCampaign(tx, ctx.workspaceId, id, { lock: true });
    assertAttachmentsEditable(campaign.status);
    const [removed] = await tx
      .delete(campaignAttachments)
      .where(
        and(
          eq(campaignAttachments.workspaceId, ctx.workspaceId),
          eq(campaignAttachments.campaignId, campaign.id),
          eq(campaignAttachments.id, attachmentId),
        ),
      )
      .returning({
        filename: campaignAttachments.filename,
        sizeBytes: campaignAttachments.sizeBytes,
        sha256: campaignAttachments.sha256,
      });
    if (!removed) return;
    await tx
      .update(campaigns)
      .set({ updatedAt: ctx.now() })
      .where(and(eq(campaigns.workspaceId, ctx.workspaceId), eq(campaigns.id, campaign.id)));
    await writeAudit(tx, ctx, {
      action: "campaign.attachment_removed",
      targetType: "campaign",
      targetId: campaign.id,
      before: { attachmentId, ...removed },
    });
  });
  return listCampaignAttachments({ ctx, input: { id } });
}
