import { MAX_ATTACHMENT_TOTAL_BYTES, MAX_ATTACHMENTS } from "@/server/shared/attachments";
import type { ServiceContext } from "../context";
import { attachmentsOf, toAttachment } from "./attachment-rows";
import { findCampaign } from "./rows";
import { ZCampaignActionInput, type TCampaignActionInput, type TCampaignAttachmentList } from "./schemas";

/** A campaign's files (no bytes), how much of the allowance they use, and how they are delivered. */
export async function listCampaignAttachments({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCampaignActionInput;
}): Promise<TCampaignAttachmentList> {
  const { id } = ZCampaignActionInput.parse(input);
  const campaign = await findCampaign(ctx.db, ctx.workspaceId, id);
  const items = (await attachmentsOf(ctx.db, ctx.workspaceId, campaign.id)).map(toAttachment);
  return {
    items,
    totalBytes: items.reduce((sum, f) => sum + f.sizeBytes, 0),
    maxBytes: MAX_ATTACHMENT_TOTAL_BYTES,
    maxFiles: MAX_ATTACHMENTS,
    delivery: campaign.options.attachmentDelivery ?? "attach",
  };
}
