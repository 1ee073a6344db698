import { and, eq } from "drizzle-orm";
import { notificationPreferences } from "@/db/schema";
import { NOTIFICATION_CATALOGUE, NOTIFICATION_KINDS } from "@/server/shared/notifications";
import type { ServiceContext } from "../context";
import { memberOf } from "./member";
import type { TNotificationPreference } from "./schemas";

/** The signed-in member's choice for every kind, in catalogue order: their row, else the default. */
export async function getNotificationPreferences({
  ctx,
}: {
  ctx: ServiceContext;
}): Promise<{ preferences: TNotificationPreference[] }> {
  const userId = memberOf(ctx);
  const rows = await ctx.db
    .select()
    .from(notificationPreferences)
    .where(and(eq(notificationPreferences.workspaceId, ctx.workspaceId), eq(notificationPreferences.userId, userId)));
  const byKind = new Map(rows.map((r) => [r.kind, r]));
  return {
    preferences: NOTIFICATION_KINDS.map((kind) => {
      const row = byKind.get(kind);
      const defaults = NOTIFICATION_CATALOGUE[kind].defaults;
      return { kind, inApp: row?.inApp ?? defaults.inApp, email: row?.email ?? defaults.email };
    }),
  };
}
