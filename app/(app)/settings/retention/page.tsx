import type { Metadata } from "next";
import { RetentionSettingsCard } from "@/components/settings/retention-settings-card";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Data retention" };

export default async function RetentionSettingsPage() {
  const { caller } = await getServerCaller();
  const [membership, settings] = await Promise.all([caller.workspace.current(), caller.retentionSettings.get()]);
  const canEdit = membership.role === "owner" || membership.role === "admin";
  return <RetentionSettingsCard settings={settings} canEdit={canEdit} />;
}
