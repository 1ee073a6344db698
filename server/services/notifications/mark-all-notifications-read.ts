import { and, eq, isNull } from "drizzle-orm";
import { notifications } from "@/db/schema";
import type { ServiceContext } from "../context";
import { memberOf } from "./member";

/** Marks every unread notification of the signed-in member in this workspace read. Idempotent. */
export async function markAllNotificationsRead({ ctx }: { ctx: ServiceContext }): Promise<{ marked: number }> {
  const userId = memberOf(ctx);
  const marked = await ctx.db
    .update(notifications)
    .set({ readAt: ctx.now() })
    .where(
      and(
        eq(notifications.workspaceId, ctx.workspaceId),
        eq(notifications.userId, userId),
        isNull(notifications.readAt),
      ),
    )
    .returning({ id: notifications.id });
  return { marked: marked.length };
}
