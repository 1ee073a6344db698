import { sql } from "drizzle-orm";
import { notificationPreferences } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { getNotificationPreferences } from "./get-notification-preferences";
import { memberOf } from "./member";
import {
  ZUpdateNotificationPreferencesInput,
  type TNotificationPreference,
  type TUpdateNotificationPreferencesInput,
} from "./schemas";

/**
 * Sets the signed-in member's channels for the kinds given (upsert per kind; kinds left out keep
 * theirs). Audited with the kinds that changed, before and after.
 */
export async function updateNotificationPreferences({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateNotificationPreferencesInput;
}): Promise<{ preferences: TNotificationPreference[] }> {
  const userId = memberOf(ctx);
  const { preferences } = ZUpdateNotificationPreferencesInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const txCtx = { ...ctx, db: tx };
    const before = new Map((await getNotificationPreferences({ ctx: txCtx })).preferences.map((p) => [p.kind, p]));
    const changed = preferences.filter((p) => {
      const was = before.get(p.kind)!;
      return was.inApp !== p.inApp || was.email !== p.email;
    });
    if (changed.length > 0) {
      await tx
        .insert(notificationPreferences)
        .values(
          changed.map((p) => ({
            workspaceId: ctx.workspaceId,
            userId,
            kind: p.kind,
            inApp: p.inApp,
            email: p.email,
            updatedAt: ctx.now(),
          })),
        )
        .onConflictDoUpdate({
          target: [notificationPreferences.workspaceId, notificationPreferences.userId, notificationPreferences.kind],
          set: { inApp: sql`excluded.in_app`, email: sql`excluded.email`, updatedAt: sql`excluded.updated_at` },
        });
      await writeAudit(tx, ctx, {
        action: "notification_preferences.updated",
        targetType: "user",
        targetId: userId,
        before: Object.fromEntries(
          changed.map((p) => [p.kind, { inApp: before.get(p.kind)!.inApp, email: before.get(p.kind)!.email }]),
        ),
        after: Object.fromEntries(changed.map((p) => [p.kind, { inApp: p.inApp, email: p.email }])),
      });
    }
    return getNotificationPreferences({ ctx: txCtx });
  });
}
