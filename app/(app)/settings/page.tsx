import type { Metadata } from "next";
import { SeedListCard } from "@/components/settings/seed-list-card";
import { TrackingSettingsCard } from "@/components/settings/tracking-settings-card";
import { WorkspaceProfileForm } from "@/components/settings/workspace-profile-form";
import { WorkspaceSettingsForm } from "@/components/settings/workspace-settings-form";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Settings" };

export default async function GeneralSettingsPage() {
  const { caller } = await getServerCaller();
  const [workspace, membership, profile, seedList, tracking] = await Promise.all([
    caller.workspace.get(),
    caller.workspace.current(),
    caller.workspace.profile(),
    caller.workspace.seedList(),
    caller.trackingSettings.get(),
  ]);
  const canEdit = membership.role === "owner" || membership.role === "admin";
  return (
    <div className="grid gap-6">
      <WorkspaceSettingsForm workspace={workspace} canEdit={canEdit} />
      <WorkspaceProfileForm workspaceName={workspace.name} profile={profile} canEdit={canEdit} />
      <SeedListCard seedList={seedList} canEdit={canEdit} />
      <TrackingSettingsCard settings={tracking} canEdit={canEdit} />
    </div>
  );
}
