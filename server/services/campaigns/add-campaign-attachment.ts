import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { campaignAttachments, campaigns } from "@/db/schema";
import { AppError, conflict, invalid, notFound } from "@/server/lib/errors";
import {
  checkAttachmentType,
  formatFileSize,
  MAX_ATTACHMENT_TOTAL_BYTES,
  MAX_ATTACHMENTS,
  sanitizeFilename,
  sniffDangerousContent,
} from "@/server/shared/attachments";
import { ATTACHMENT_EDITABLE_CAMPAIGN_STATUSES } from "@/server/shared/enums";
import { writeAudit } from "../audit/write-audit";
import { actorId, inTransaction, type ServiceContext } from "../context";
import { attachmentsOf, toAttachment } from "./attachment-rows";
import { findCampaign } from "./rows";
import { ZAddCampaignAttachmentInput, type TAddCampaignAttachmentInput, type TCampaignAttachment } from "./schemas";

/** Whether a campaign's files may change now (draft, scheduled, paused); CONFLICT otherwise. */
export function assertAttachmentsEditable(status: string): void {
  if (!(ATTACHMENT_EDITABLE_CAMPAIGN_STATUSES as readonly string[]).includes(status))
    throw conflict(`The files of a ${status} campaign cannot change (only while it is a draft, scheduled or paused)`);
}

/**
 * Attaches a file to an email campaign. The name is sanitised; programs, scripts, HTML and other
 * dangerous types are refused by extension, declared type and first bytes (INVALID); at most
 * MAX_ATTACHMENTS files and MAX_ATTACHMENT_TOTAL_BYTES in all per campaign (INVALID, nothing
 * stored). The campaign row is locked, so two uploads at once cannot pass the limits together.
 * The same bytes under the same name again answer the file already there (nothing new).
 * Only while the campaign is a draft, scheduled or paused (CONFLICT). Audited
 * (`campaign.attachment_added`: name, type, size, hash; never the bytes).
 */
export async function addCampaignAttachment({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TAddCampaignAttachmentInput;
}): Promise<TCampaignAttachment> {
  const parsed = ZAddCampaignAttachmentInput.safeParse(input);
  if (!parsed.success) throw notFound("Campaign");
  const { id, filename: rawName, contentType: declared, bytes } = parsed.data;
  const filename = sanitizeFilename(rawName);
  const type = checkAttachmentType(filename, declared);
  if (!type.ok) throw invalid(type.message, "file");
  if (bytes.byteLength === 0) throw invalid("The file is empty", "file");
  if (bytes.byteLength > MAX_ATTACHMENT_TOTAL_BYTES)
    throw invalid(
      `The file is ${formatFileSize(bytes.byteLength)}; a campaign's files may take ${formatFileSize(MAX_ATTACHMENT_TOTAL_BYTES)} in all. Send a link to a hosted file instead`,
      "file",
    );
  const sniffed = sniffDangerousContent(bytes);
  if (sniffed) throw invalid(`The file looks like ${sniffed}, which cannot be attached`, "file");
  const sha256 = createHash("sha256").update(bytes).digest("hex");

  return inTransaction(ctx.db, async (tx) => {
    const campaign = await findCampaign(tx, ctx.workspaceId, id, { lock: true });
    if (campaign.channel !== "email") throw invalid("Only email campaigns carry files", "id");
    assertAttachmentsEditable(campaign.status);
    const existing = await attachmentsOf(tx, ctx.workspaceId, campaign.id);
    const same = existing.find((f) => f.sha256 === sha256 && f.filename === filename);
    if (same) return toAttachment(same);
    if (existing.length >= MAX_ATTACHMENTS)
      throw invalid(`A campaign may carry at most ${MAX_ATTACHMENTS} files: remove one first`, "file");
    const used = existing.reduce((sum, f) => sum + f.sizeBytes, 0);
    if (used + bytes.byteLength > MAX_ATTACHMENT_TOTAL_BYTES) {
      throw new AppError(
        "INVALID",
        `This file (${formatFileSize(bytes.byteLength)}) would bring the campaign's files to ${formatFileSize(used + bytes.byteLength)}; the most is ${formatFileSize(MAX_ATTACHMENT_TOTAL_BYTES)}. Remove a file, or send a link to a hosted file instead`,
        { field: "file" },
      );
    }
    const now = ctx.now();
    const [row] = await tx
      .insert(campaignAttachments)
      .values({
        workspaceId: ctx.workspaceId,
        campaignId: campaign.id,
        filename,
        contentType: type.contentType,
        sizeBytes: bytes.byteLength,
        bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        sha256,
        createdAt: now,
        createdByType: ctx.actor.type,
        createdById: actorId(ctx.actor),
      })
      .returning({ id: campaignAttachments.id });
    await tx
      .update(campaigns)
      .set({ updatedAt: now })
      .where(and(eq(campaigns.workspaceId, ctx.workspaceId), eq(campaigns.id, campaign.id)));
    const attachment: TCampaignAttachment = {
      id: row!.id,
      campaignId: campaign.id,
      filename,
      contentType: type.contentType,
      sizeBytes: bytes.byteLength,
      sha256,
      createdAt: now,
    };
    await writeAudit(tx, ctx, {
      action: "campaign.attachment_added",
      targetType: "campaign",
      targetId: campaign.id,
      after: {
        attachmentId: attachment.id,
        filename,
        contentType: type.contentType,
        sizeBytes: attachment.sizeBytes,
        sha256,
      },
    });
    return attachment;
  });
}
