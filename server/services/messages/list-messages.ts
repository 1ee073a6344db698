import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { messages } from "@/db/schema";
import type { ServiceContext } from "../context";
import { baseConditions, selectPage, ZListMessagesInput, type TListMessagesInput } from "./message-filters";
import { loadEvents, toMessage, ZMessage, type TMessage } from "./message-view";

export const ZMessagePage = z.object({
  items: z.array(ZMessage).describe("Messages, newest first"),
  nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
});
export type TMessagePage = z.infer<typeof ZMessagePage>;

/**
 * `GET /messages`: a page of the workspace's messages, newest first (keyset on `created_at, id`),
 * each with its timeline. A `contactId` of another workspace is NOT_FOUND; a malformed recipient
 * is INVALID naming `recipient`. No addresses or content in this shape. Read-only, not audited.
 */
export async function listMessages({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TListMessagesInput;
}): Promise<TMessagePage> {
  const filters = ZListMessagesInput.parse(input);
  const conditions = await baseConditions({ ctx, input: filters });
  if (filters.status) conditions.push(eq(messages.status, filters.status));
  const { page, nextCursor } = await selectPage(ctx.db, and(...conditions), filters.cursor, filters.limit);
  const events = await loadEvents(
    ctx.db,
    ctx.workspaceId,
    page.map((p) => p.row.id),
  );
  const items: TMessage[] = page.map(({ row }) => toMessage(row, events.get(row.id) ?? []));
  return { items, nextCursor };
}
