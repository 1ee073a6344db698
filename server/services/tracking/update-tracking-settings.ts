import { readTrackingSettings, type TrackingSettings } from "@/server/shared/tracking-settings";
import { requireAccess, type ServiceContext } from "../context";
import { writeSettingsSection } from "../workspaces/write-settings-section";
import { ZUpdateTrackingSettingsInput } from "./schemas";

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
  requireAccess(ctx, { scope: "admin", role: "admin", what: "tracking settings" });
  const values: TrackingSettings = ZUpdateTrackingSettingsInput.parse(input);
  return writeSettingsSection(ctx, {
    key: "tracking",
    value: values,
    action: "workspace.tracking_settings_updated",
    before: (row) => readTrackingSettings(row.settings),
  });
}
