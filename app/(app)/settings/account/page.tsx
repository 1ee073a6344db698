import type { Metadata } from "next";
import { NotificationPreferencesCard } from "@/components/notifications/notification-preferences-card";
import { AccountForms } from "@/components/settings/account-forms";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return (
    <div className="grid gap-6">
      <AccountForms name={membership.user.name ?? ""} email={membership.user.email} />
      <NotificationPreferencesCard />
    </div>
  );
}
