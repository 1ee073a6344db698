import { eq, sql } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { forbidden, notFound } from "@/server/lib/errors";
import { readTrackingSettings, type TrackingSettings } from "@/server/shared/tracking-settings";
import { writeAudit } from "../audit/write-audit";
import { hasRole, hasScope, inTransaction, type ServiceContext } from "../context";
import { invalidateSendContext } from "../messages/send-context-cache";
import { ZUpdateTrackingSettingsInput } from "./schemas";

function canUpdate(ctx: ServiceContext): boolean {
  switch (ctx.actor.type) {
    case "user":
      return hasRole(ctx.actor.role, "admin");
    case "apiKey":
      return hasScope(ctx.actor.scopes, "admin");
    case "system":
      return true;
    default:
      return false;
  }
}

/**
 * Replaces the workspace's tracking switches (open pixel, click redirects, counting machine
 * opens). Admins and owners only. Only the `tracking` key of `workspaces.settings` is written (a
 * JSON merge); audited as `workspace.tracking_settings_updated` with before and after. Applies to
 * messages recorded from then on (links already sent keep working).
 */
export async function updateTrackingSettings({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: Partial<TrackingSettings>;
}): Promise<TrackingSettings> {
  if (!canUpdate(ctx)) throw forbidden("Only admins and owners can change tracking settings");
  const values = ZUpdateTrackingSettingsInput.parse(input);
  const saved = await inTransaction(ctx.db, async (tx) => {
    const [before] = await tx
      .select({ settings: workspaces.settings })
      .from(workspaces)
      .where(eq(workspaces.id, ctx.workspaceId))
      .for("update");
    if (!before) throw notFound("Workspace");
    await tx
      .update(workspaces)
      .set({
        settings: sql`${workspaces.settings} || jsonb_build_object('tracking', ${JSON.stringify(values)}::jsonb)`,
        updatedAt: ctx.now(),
      })
      .where(eq(workspaces.id, ctx.workspaceId));
    await writeAudit(tx, ctx, {
      action: "workspace.tracking_settings_updated",
      targetType: "workspace",
      targetId: ctx.workspaceId,
      before: { ...readTrackingSettings(before.settings) },
      after: { ...values },
    });
    return values;
  });
  invalidateSendContext(ctx.workspaceId);
  return saved;
}
