import { and, count, eq } from "drizzle-orm";
import { z } from "zod";
import { messages, type MessageStatus } from "@/db/schema";
import type { ServiceContext } from "../context";
import { seesFullPii } from "../contacts/mask-contact";
import { messagePurpose } from "./message-access";
import { baseConditions, selectPage, ZListMessagesInput, type TListMessagesInput } from "./message-filters";
import { messageAddress, messagePreview, ZMessageListItem, type TMessageListItem } from "./message-view";

export const ZMessageBrowsePage = z.object({
  items: z.array(ZMessageListItem),
  nextCursor: z.string().nullable(),
  /** Messages matching every filter (all pages). */
  total: z.number().int(),
  /** Messages per status matching every filter except the status one (for the status chips). */
  statusCounts: z.record(z.string(), z.number().int()),
  /** True when addresses are masked and content is withheld for this caller (viewers). */
  masked: z.boolean(),
});
export type TMessageBrowsePage = z.infer<typeof ZMessageBrowsePage>;

/**
 * The admin message table: a page newest first with recipient and a one-line preview, the total
 * and per-status counts for the same filters. Viewers get addresses masked and no preview
 * (content is for marketers and above). Read-only, not audited.
 */
export async function browseMessages({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TListMessagesInput;
}): Promise<TMessageBrowsePage> {
  const filters = ZListMessagesInput.parse(input);
  const base = await baseConditions({ ctx, input: filters });
  const where = and(...base, filters.status ? eq(messages.status, filters.status) : undefined);
  const [{ page, nextCursor }, counts] = await Promise.all([
    selectPage(ctx.db, where, filters.cursor, filters.limit),
    ctx.db
      .select({ status: messages.status, total: count() })
      .from(messages)
      .where(and(...base))
      .groupBy(messages.status),
  ]);
  const full = seesFullPii(ctx.actor);
  const statusCounts: Partial<Record<MessageStatus, number>> = {};
  for (const c of counts) statusCounts[c.status] = Number(c.total);
  const total = filters.status
    ? (statusCounts[filters.status] ?? 0)
    : counts.reduce((sum, c) => sum + Number(c.total), 0);
  const items: TMessageListItem[] = page.map(({ row, topicName, templateName }) => ({
    id: row.id,
    contactId: row.contactId,
    direction: row.direction,
    channel: row.channel,
    topic: row.topicKey,
    topicName,
    kind: row.kind,
    purpose: messagePurpose(row),
    userId: row.userId,
    status: row.status,
    reason: row.reason,
    address: messageAddress(row, full),
    preview: full ? messagePreview(row) : null,
    templateName,
    templateVersion: row.templateVersion,
    campaignId: row.campaignId,
    relation: row.relation,
    parentMessageId: row.parentMessageId,
    transport: row.transport,
    createdAt: row.createdAt,
  }));
  return { items, nextCursor, total, statusCounts, masked: !full };
}
