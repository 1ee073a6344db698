import { readWorkspaceProfile, type WorkspaceProfile } from "@/server/shared/workspace-profile";
import { requireAccess, type ServiceContext } from "../context";
import { ZUpdateWorkspaceProfileInput, type TUpdateWorkspaceProfileInput } from "./profile-schemas";
import { writeSettingsSection } from "./write-settings-section";

/**
 * Replaces the workspace's profile (sender name, reply-to, postal address, accent colour, logo
 * URL): only `settings.profile` is written (a JSON merge, so other settings survive). Admins and
 * owners (or a key with `admin`). Audited with before and after; takes effect on the next send.
 */
export async function updateWorkspaceProfile({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateWorkspaceProfileInput;
}): Promise<WorkspaceProfile> {
  requireAccess(ctx, { scope: "admin", role: "admin", what: "the workspace profile" });
  const values = ZUpdateWorkspaceProfileInput.parse(input) as WorkspaceProfile;
  return writeSettingsSection(ctx, {
    key: "profile",
    value: values,
    action: "workspace.profile_updated",
    before: (row) => readWorkspaceProfile(row.settings),
  });
}
