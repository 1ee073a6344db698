import type { Metadata } from "next";
import { MembersManager } from "@/components/settings/members-manager";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return <MembersManager currentUserId={membership.user.id} currentRole={membership.role} />;
}
