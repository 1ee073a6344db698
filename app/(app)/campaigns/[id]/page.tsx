import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { CampaignEditor } from "@/components/campaigns/campaign-editor";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Campaign" };

export default async function CampaignPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  return (
    <CampaignEditor
      campaignId={id}
      canEdit={membership.role !== "viewer"}
      isAdmin={membership.role === "admin" || membership.role === "owner"}
    />
  );
}
