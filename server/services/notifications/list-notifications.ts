import { and, desc, eq, isNull, sql, type SQL } from "drizzle-orm";
import { notifications, type NotificationRow } from "@/db/schema";
import { invalid } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { memberOf } from "./member";
import {
  ZListNotificationsInput,
  type TListNotificationsInput,
  type TNotification,
  type TNotificationPage,
} from "./schemas";

export function toNotification(row: NotificationRow): TNotification {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    body: row.body,
    link: row.link,
    data: row.data,
    createdAt: row.createdAt,
    readAt: row.readAt,
  };
}

/** `<created_at ms>.<id>` in base64url: the last row of a page. */
function encodeCursor(row: NotificationRow): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt)) || !uuid.test(id))
    throw invalid("The cursor is not one this list returned", "cursor");
  return { createdAt: new Date(createdAt).toISOString(), id };
}

/**
 * The signed-in member's notifications in this workspace, newest first, a page at a time (keyset
 * on created_at, id); `unreadOnly` and `kind` filter. Nobody reads another member's.
 */
export async function listNotifications({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TListNotificationsInput;
}): Promise<TNotificationPage> {
  const userId = memberOf(ctx);
  const { limit, cursor, unreadOnly, kind } = ZListNotificationsInput.parse(input);
  const filters: (SQL | undefined)[] = [
    eq(notifications.workspaceId, ctx.workspaceId),
    eq(notifications.userId, userId),
    unreadOnly ? isNull(notifications.readAt) : undefined,
    kind ? eq(notifications.kind, kind) : undefined,
  ];
  if (cursor) {
    const after = decodeCursor(cursor);
    filters.push(
      sql`(${notifications.createdAt}, ${notifications.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`,
    );
  }
  const rows = await ctx.db
    .select()
    .from(notifications)
    .where(and(...filters))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    items: page.map(toNotification),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null,
  };
}
