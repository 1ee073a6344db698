import type { Metadata } from "next";
import { WorkspaceSettingsForm } from "@/components/settings/workspace-settings-form";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Settings" };

export default async function GeneralSettingsPage() {
  const { caller } = await getServerCaller();
  const [workspace, membership] = await Promise.all([caller.workspace.get(), caller.workspace.current()]);
  return (
    <WorkspaceSettingsForm workspace={workspace} canEdit={membership.role === "owner" || membership.role === "admin"} />
  );
}
