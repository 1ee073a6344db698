import type { Metadata } from "next";
import Link from "next/link";
import { PlusIcon } from "lucide-react";
import { CampaignsList } from "@/components/campaigns/campaigns-list";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Campaigns" };

export default async function CampaignsPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  const canEdit = membership.role !== "viewer";
  return (
    <>
      <PageHeader
        title="Campaigns"
        description="One message to an audience, checked against consent, suppressions, quiet hours and frequency caps before anything is sent."
        actions={
          canEdit ? (
            <Button asChild>
              <Link href="/campaigns/new">
                <PlusIcon />
                New campaign
              </Link>
            </Button>
          ) : null
        }
      />
      <CampaignsList canEdit={canEdit} />
    </>
  );
}
