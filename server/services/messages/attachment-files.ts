import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { campaignAttachments, reportFiles, type MessageRow } from "@/db/schema";
import { pgTextArray } from "@/server/lib/pg-array";
import type { EmailAttachment } from "@/server/providers/email/types";
import type { MessageOptions } from "./record-answers";

/** The campaign files an email carries (`options.attachments`), in their order. */
export function attachmentIdsOf(row: Pick<MessageRow, "channel" | "options">): string[] {
  if (row.channel !== "email") return [];
  const ids = (row.options as MessageOptions).attachments;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
}

/**
 * The files of these emails, by id (a campaign's files, or the PDF of a scheduled report), read in one statement (each file once, however many emails
 * carry it), scoped to each email's workspace. A file removed since an email was recorded is
 * simply absent.
 */
export async function loadAttachmentFiles(db: Queryable, rows: MessageRow[]): Promise<Map<string, EmailAttachment>> {
  const wanted = new Map<string, string>();
  for (const row of rows) for (const id of attachmentIdsOf(row)) wanted.set(id, row.workspaceId);
  const files = new Map<string, EmailAttachment>();
  if (wanted.size === 0) return files;
  const found = await db
    .select({
      id: campaignAttachments.id,
      workspaceId: campaignAttachments.workspaceId,
      filename: campaignAttachments.filename,
      contentType: campaignAttachments.contentType,
      bytes: campaignAttachments.bytes,
    })
    .from(campaignAttachments)
    .where(sql`${campaignAttachments.id} = any(${pgTextArray([...wanted.keys()])}::uuid[])`);
  const missing = [...wanted.keys()].filter((id) => !found.some((file) => file.id === id));
  const reports =
    missing.length === 0
      ? []
      : await db
          .select({
            id: reportFiles.id,
            workspaceId: reportFiles.workspaceId,
            filename: reportFiles.filename,
            contentType: reportFiles.contentType,
            bytes: reportFiles.bytes,
          })
          .from(reportFiles)
          .where(sql`${reportFiles.id} = any(${pgTextArray(missing)}::uuid[])`);
  for (const file of [...found, ...reports]) {
    if (wanted.get(file.id) !== file.workspaceId) continue;
    files.set(file.id, { filename: file.filename, contentType: file.contentType, content: file.bytes });
  }
  return files;
}
