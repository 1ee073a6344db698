import type { Metadata } from "next";
import { CampaignEditor } from "@/components/campaigns/campaign-editor";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "New campaign" };

export default async function NewCampaignPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return <CampaignEditor canEdit={membership.role !== "viewer"} />;
}
