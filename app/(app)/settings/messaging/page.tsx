import type { Metadata } from "next";
import { MessagingSettingsManager } from "@/components/settings/messaging-settings-form";
import { SmsPricesCard } from "@/components/settings/sms-prices-card";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Messaging" };

export default async function MessagingSettingsPage() {
  const { caller } = await getServerCaller();
  // Topics only name the caps' topics: if they fail to load, the form still works (and says so).
  // SMS prices load again in the browser when they fail here.
  const [membership, settings, topics, smsPricing] = await Promise.all([
    caller.workspace.current(),
    caller.messagingSettings.get(),
    caller.topics.list().catch(() => undefined),
    caller.messagingSettings.smsPricing().catch(() => undefined),
  ]);
  const canEdit = membership.role === "owner" || membership.role === "admin";
  return (
    <div className="grid gap-6">
      <MessagingSettingsManager canEdit={canEdit} initialSettings={settings} initialTopics={topics} />
      <SmsPricesCard canEdit={canEdit} initialPricing={smsPricing} />
    </div>
  );
}
