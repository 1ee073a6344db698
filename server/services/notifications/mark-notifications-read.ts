import { and, eq, inArray, isNull } from "drizzle-orm";
import { notifications } from "@/db/schema";
import type { ServiceContext } from "../context";
import { memberOf } from "./member";
import { ZMarkNotificationsReadInput, type TMarkNotificationsReadInput } from "./schemas";

/**
 * Marks some of the signed-in member's notifications read. Ids of other members' notifications
 * (or unknown ones) change nothing; already-read ones keep their first `read_at`, so calling it
 * again is harmless. Answers how many became read. Not audited: reading is personal.
 */
export async function markNotificationsRead({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TMarkNotificationsReadInput;
}): Promise<{ marked: number }> {
  const userId = memberOf(ctx);
  const { ids } = ZMarkNotificationsReadInput.parse(input);
  const marked = await ctx.db
    .update(notifications)
    .set({ readAt: ctx.now() })
    .where(
      and(
        eq(notifications.workspaceId, ctx.workspaceId),
        eq(notifications.userId, userId),
        inArray(notifications.id, ids),
        isNull(notifications.readAt),
      ),
    )
    .returning({ id: notifications.id });
  return { marked: marked.length };
}
