import { and, eq } from "drizzle-orm";
import { messageLinks } from "@/db/schema";
import { SHORT_CODE_PATTERN } from "@/server/lib/tracking-tokens";
import type { PublicContext } from "../context";
import { decryptField } from "../messages/message-secrets";

export interface TrackedLinkTarget {
  messageId: string;
  linkId: string;
  workspaceId: string;
  /** The exact URL the message carried: the only place a redirect may go. */
  url: string;
}

/**
 * The stored link a click redirect names: by message and link id (a verified `/t/c/` token) or
 * by SMS short code (`/t/{code}`). Null when there is no such link: the redirect answers 404 and
 * never goes anywhere else. One indexed read, no writes.
 */
export async function resolveTrackedLink({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: { messageId: string; linkId: string } | { shortCode: string };
}): Promise<TrackedLinkTarget | null> {
  if ("shortCode" in input && !SHORT_CODE_PATTERN.test(input.shortCode)) return null;
  const [row] = await ctx.db
    .select({
      id: messageLinks.id,
      messageId: messageLinks.messageId,
      workspaceId: messageLinks.workspaceId,
      urlCiphertext: messageLinks.urlCiphertext,
    })
    .from(messageLinks)
    .where(
      "shortCode" in input
        ? eq(messageLinks.shortCode, input.shortCode)
        : and(eq(messageLinks.id, input.linkId), eq(messageLinks.messageId, input.messageId)),
    )
    .limit(1);
  if (!row) return null;
  const url = decryptField(row.urlCiphertext, "link");
  if (!url || !/^https?:\/\//i.test(url)) return null;
  return { messageId: row.messageId, linkId: row.id, workspaceId: row.workspaceId, url };
}
