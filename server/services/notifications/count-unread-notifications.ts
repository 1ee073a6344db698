import { and, count, eq, isNull } from "drizzle-orm";
import { notifications } from "@/db/schema";
import type { ServiceContext } from "../context";
import { memberOf } from "./member";

/** The bell's badge: the signed-in member's unread notifications in this workspace (partial index). */
export async function countUnreadNotifications({ ctx }: { ctx: ServiceContext }): Promise<{ unread: number }> {
  const userId = memberOf(ctx);
  const [row] = await ctx.db
    .select({ unread: count() })
    .from(notifications)
    .where(
      and(
        eq(notifications.workspaceId, ctx.workspaceId),
        eq(notifications.userId, userId),
        isNull(notifications.readAt),
      ),
    );
  return { unread: Number(row?.unread ?? 0) };
}
