import type { Metadata } from "next";
import { MessagingSettingsManager } from "@/components/settings/messaging-settings-form";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Messaging" };

export default async function MessagingSettingsPage() {
  const { caller } = await getServerCaller();
  // Topics only name the caps' topics: if they fail to load, the form still works (and says so).
  const [membership, settings, topics] = await Promise.all([
    caller.workspace.current(),
    caller.messagingSettings.get(),
    caller.topics.list().catch(() => undefined),
  ]);
  return (
    <MessagingSettingsManager
      canEdit={membership.role === "owner" || membership.role === "admin"}
      initialSettings={settings}
      initialTopics={topics}
    />
  );
}
