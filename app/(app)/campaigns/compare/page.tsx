import type { Metadata } from "next";
import { CampaignComparison } from "@/components/campaigns/campaign-comparison";

export const metadata: Metadata = { title: "Compare campaigns" };

export default async function CompareCampaignsPage({ searchParams }: { searchParams: Promise<{ ids?: string }> }) {
  const { ids } = await searchParams;
  return <CampaignComparison ids={typeof ids === "string" ? ids : ""} />;
}
