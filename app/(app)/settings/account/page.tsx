import type { Metadata } from "next";
import { AccountForms } from "@/components/settings/account-forms";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return <AccountForms name={membership.user.name ?? ""} email={membership.user.email} />;
}
