import { and, eq } from "drizzle-orm";
import { messages, type MessageRow } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { notFound } from "@/server/lib/errors";

/** One message of the workspace; another workspace's id is NOT_FOUND. */
export async function getMessageRow(db: Queryable, workspaceId: string, id: string): Promise<MessageRow> {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.id, id), eq(messages.workspaceId, workspaceId)));
  if (!row) throw notFound("Message");
  return row;
}

/** One outbound message of the workspace (what retry and resend start from); anything else is NOT_FOUND. */
export async function loadOutbound(db: Queryable, workspaceId: string, id: string): Promise<MessageRow> {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.id, id), eq(messages.workspaceId, workspaceId)));
  if (!row || row.direction !== "outbound") throw notFound("Message");
  return row;
}
