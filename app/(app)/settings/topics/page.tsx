import type { Metadata } from "next";
import { TopicsManager } from "@/components/topics/topics-manager";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Topics" };

export default async function TopicsPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return <TopicsManager canManage={membership.role === "owner" || membership.role === "admin"} />;
}
