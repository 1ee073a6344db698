import { randomUUID } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { campaignAttachments, type CampaignRow } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { fileDownloadUrl, webVersionUrl } from "@/server/lib/resource-tokens";
import type { CampaignFileLink } from "../messages/pipeline-types";
import { SAMPLE_LINKS } from "../templates/compose";
import { addEmailExtras } from "../templates/email-extras";
import type { TCampaignAttachment } from "./schemas";

/** A campaign's files without their bytes, oldest first. */
export async function attachmentsOf(db: Queryable, workspaceId: string, campaignId: string) {
  return db
    .select({
      id: campaignAttachments.id,
      campaignId: campaignAttachments.campaignId,
      filename: campaignAttachments.filename,
      contentType: campaignAttachments.contentType,
      sizeBytes: campaignAttachments.sizeBytes,
      sha256: campaignAttachments.sha256,
      createdAt: campaignAttachments.createdAt,
    })
    .from(campaignAttachments)
    .where(and(eq(campaignAttachments.workspaceId, workspaceId), eq(campaignAttachments.campaignId, campaignId)))
    .orderBy(asc(campaignAttachments.createdAt), asc(campaignAttachments.id));
}

export type AttachmentMeta = Awaited<ReturnType<typeof attachmentsOf>>[number];

export function toAttachment(row: AttachmentMeta): TCampaignAttachment {
  return { ...row };
}

/**
 * What a campaign email carries besides its content, for every send of it (runs, seeds, test
 * sends): its files, attached (`attachmentIds`) or as links (`fileLinks`) by
 * `options.attachmentDelivery`, and whether it links to its web version. Nothing for SMS.
 */
export async function campaignSendExtras(
  db: Queryable,
  campaign: Pick<CampaignRow, "id" | "workspaceId" | "channel" | "options">,
): Promise<{ attachmentIds?: string[]; fileLinks?: CampaignFileLink[]; webVersion?: boolean }> {
  if (campaign.channel !== "email") return {};
  const files = await attachmentsOf(db, campaign.workspaceId, campaign.id);
  const link = campaign.options.attachmentDelivery === "link";
  return {
    ...(files.length > 0 && !link ? { attachmentIds: files.map((f) => f.id) } : {}),
    ...(files.length > 0 && link
      ? { fileLinks: files.map((f) => ({ id: f.id, filename: f.filename, sizeBytes: f.sizeBytes })) }
      : {}),
    ...(campaign.options.webVersionLink ? { webVersion: true } : {}),
  };
}

export type CampaignSendExtras = Awaited<ReturnType<typeof campaignSendExtras>>;

/**
 * A campaign copy recorded as a direct message (a member's test send, a seed copy), rendered
 * for the sample contact: the id it will have, its content with the campaign's extras (the
 * web-version line and `{{ web_version_url }}` pointing at this copy, the files list), and the
 * options that name its attached files.
 */
export function directCampaignCopy(
  workspaceId: string,
  content: { subject: string | null; text: string; html: string | null },
  extras: CampaignSendExtras,
): {
  id: string;
  content: { subject: string | null; text: string; html: string | null };
  options: Record<string, unknown>;
} {
  const id = randomUUID();
  const webVersion = extras.webVersion ? webVersionUrl({ workspaceId, id }) : null;
  // The preview rendered `{{ web_version_url }}` as the sample link: this copy has a real one.
  const sample = SAMPLE_LINKS(getEnv().PUBLIC_URL).webVersionUrl;
  const named = (value: string) => (webVersion ? value.replaceAll(sample, webVersion) : value);
  const extended = addEmailExtras(
    { text: named(content.text), html: content.html === null ? null : named(content.html) },
    {
      webVersionUrl: webVersion,
      files: extras.fileLinks?.map((file) => ({
        filename: file.filename,
        sizeBytes: file.sizeBytes,
        url: fileDownloadUrl({ workspaceId, id: file.id }),
      })),
    },
  );
  return {
    id,
    content: { subject: content.subject, ...extended },
    options: extras.attachmentIds?.length ? { attachments: extras.attachmentIds } : {},
  };
}
