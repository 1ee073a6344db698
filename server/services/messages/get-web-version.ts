import { and, eq } from "drizzle-orm";
import { contacts, messages } from "@/db/schema";
import { verifyResourceToken } from "@/server/lib/resource-tokens";
import type { PublicContext } from "../context";
import { withoutWebVersionLine } from "../templates/email-extras";
import { decryptField } from "./message-secrets";

export type WebVersion =
  | { status: "ok"; subject: string; html: string }
  /** The token is altered, foreign, or names no outbound email: 404. */
  | { status: "not_found" }
  /** The contact was erased (or deleted), or the message's body is no longer kept: 410. */
  | { status: "gone" };

/**
 * A message's web version (`/w/{token}`): the HTML stored for that message, as it was rendered
 * for its contact, without its own "View in your browser" line. No login: the signed token names
 * the message. Reads only, and shows exactly what the email showed: no unsubscribe happens here
 * (the footer's links lead to the pages that ask first).
 */
export async function getWebVersion({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: { token: string };
}): Promise<WebVersion> {
  const claims = verifyResourceToken("web_version", input.token);
  if (!claims) return { status: "not_found" };
  const [row] = await ctx.db
    .select({
      channel: messages.channel,
      direction: messages.direction,
      contactId: messages.contactId,
      userId: messages.userId,
      options: messages.options,
      subjectCiphertext: messages.subjectCiphertext,
      htmlCiphertext: messages.htmlCiphertext,
      contactErasedAt: contacts.erasedAt,
      contactExists: contacts.id,
    })
    .from(messages)
    .leftJoin(contacts, eq(contacts.id, messages.contactId))
    .where(and(eq(messages.workspaceId, claims.workspaceId), eq(messages.id, claims.id)));
  if (!row || row.channel !== "email" || row.direction !== "outbound") return { status: "not_found" };
  // A message to a contact keeps its contact id until the contact is deleted; a member's test copy
  // has a user instead, and a seed copy goes to the workspace's own inbox.
  const ownCopy = row.userId !== null || Boolean((row.options as { seed?: boolean }).seed);
  const erased = row.contactId ? row.contactErasedAt !== null || row.contactExists === null : !ownCopy;
  if (erased || !row.htmlCiphertext) return { status: "gone" };
  return {
    status: "ok",
    subject: decryptField(row.subjectCiphertext, "subject") ?? "",
    html: withoutWebVersionLine(decryptField(row.htmlCiphertext, "html")!),
  };
}
