import { readRetentionSettings, type RetentionSettings } from "@/server/shared/retention-settings";
import { requireAccess, type ServiceContext } from "../context";
import { writeSettingsSection } from "../workspaces/write-settings-section";
import { ZUpdateRetentionSettingsInput } from "./schemas";

/**
 * Replaces the workspace's retention windows (Settings → Data retention). Admins and owners only;
 * each window is checked against its minimum (and maximum) before anything is written. Only the
 * `retention` key of `workspaces.settings` is written; audited as
 * `workspace.retention_settings_updated` with before and after. The next nightly purge applies it.
 */
export async function updateRetentionSettings({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: Partial<RetentionSettings>;
}): Promise<RetentionSettings> {
  requireAccess(ctx, { scope: "admin", role: "admin", what: "retention settings" });
  const values: RetentionSettings = ZUpdateRetentionSettingsInput.parse(input);
  return writeSettingsSection(ctx, {
    key: "retention",
    value: values,
    action: "workspace.retention_settings_updated",
    before: (row) => readRetentionSettings(row.settings),
  });
}
