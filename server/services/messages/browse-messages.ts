import { and, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { messages, type MessageStatus } from "@/db/schema";
import { resultRows } from "@/db/map-rows";
import type { ServiceContext } from "../context";
import { COUNT_CAP } from "../counters/capped-count";
import { readCounters } from "../counters/read-counters";
import { seesFullPii } from "../contacts/mask-contact";
import { messagePurpose } from "./message-access";
import { baseConditions, selectPage, ZListMessagesInput, type TListMessagesInput } from "./message-filters";
import { messageAddress, messagePreview, ZMessageListItem, type TMessageListItem } from "./message-view";

export const ZMessageBrowsePage = z.object({
  items: z.array(ZMessageListItem),
  nextCursor: z.string().nullable(),
  /** Messages matching every filter (all pages); null on later pages (pages never recount). */
  total: z.number().int().nullable(),
  /**
   * Messages per status matching every filter except the status one (for the status chips); null
   * on later pages. Empty when `totalCapped`.
   */
  statusCounts: z.record(z.string(), z.number().int()).nullable(),
  /**
   * True when more than COUNT_CAP messages match the filters other than status, so only that
   * lower bound was counted: `total` is COUNT_CAP (shown as "10,000+") and there are no per-status
   * figures. Never with no filter or the status one alone (those come from the page counters).
   */
  totalCapped: z.boolean(),
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
  const [{ page, nextCursor }, counted] = await Promise.all([
    selectPage(ctx.db, where, filters.cursor, filters.limit),
    // "Next" does not recount: the first page's figures stand.
    filters.cursor ? undefined : countByStatus(ctx, base),
  ]);
  const full = seesFullPii(ctx.actor);
  let total: number | null = null;
  if (counted && !counted.capped)
    total = filters.status
      ? (counted.statusCounts[filters.status] ?? 0)
      : Object.values(counted.statusCounts).reduce((sum, n) => sum + n, 0);
  else if (counted) total = COUNT_CAP;
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
  return {
    items,
    nextCursor,
    total,
    statusCounts: counted ? counted.statusCounts : null,
    totalCapped: counted?.capped ?? false,
    masked: !full,
  };
}

/**
 * The chips' figures. Unfiltered (the workspace condition alone): the page counters, exact and a
 * few rows read however many messages there are. Filtered: at most COUNT_CAP + 1 matching rows
 * are counted; beyond that only "more than COUNT_CAP" is known.
 */
async function countByStatus(
  ctx: ServiceContext,
  base: SQL[],
): Promise<{ statusCounts: Partial<Record<MessageStatus, number>>; capped: boolean }> {
  const statusCounts: Partial<Record<MessageStatus, number>> = {};
  if (base.length === 1) {
    for (const [status, n] of await readCounters(ctx.db, ctx.workspaceId, "messages"))
      if (n > 0) statusCounts[status as MessageStatus] = n;
    return { statusCounts, capped: false };
  }
  const rows = resultRows<{ status: MessageStatus; n: number | string }>(
    await ctx.db.execute(
      sql`select status, count(*) as n from (${ctx.db
        .select({ status: messages.status })
        .from(messages)
        .where(and(...base))
        .getSQL()} limit ${COUNT_CAP + 1}) capped group by status`,
    ),
  );
  const sum = rows.reduce((total, r) => total + Number(r.n), 0);
  if (sum > COUNT_CAP) return { statusCounts: {}, capped: true };
  for (const r of rows) statusCounts[r.status] = Number(r.n);
  return { statusCounts, capped: false };
}
