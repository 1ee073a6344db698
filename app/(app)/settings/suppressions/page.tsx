import type { Metadata } from "next";
import { OptOutReport } from "@/components/suppressions/opt-out-report";
import { SuppressionsManager } from "@/components/suppressions/suppressions-manager";
import { getServerCaller } from "@/server/api/server-caller";
import { todayIn } from "@/server/shared/analytics";

export const metadata: Metadata = { title: "Suppressions" };

export default async function SuppressionsPage() {
  const { caller } = await getServerCaller();
  const [membership, messaging] = await Promise.all([caller.workspace.current(), caller.messagingSettings.get()]);
  const canManage = membership.role !== "viewer";
  return (
    <div className="grid gap-8">
      <SuppressionsManager canManage={canManage} />
      <OptOutReport today={todayIn(new Date(), messaging.timezone)} />
    </div>
  );
}
