import type { Metadata } from "next";
import Link from "next/link";
import { PlusIcon } from "lucide-react";
import { SegmentsList } from "@/components/segments/segments-list";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Segments" };

export default async function SegmentsPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  const canEdit = membership.role !== "viewer";
  return (
    <>
      <PageHeader
        title="Segments"
        description="Saved audiences: contacts who match conditions on their profile, consent, activity and attributes, kept up to date as your contacts change."
        actions={
          canEdit ? (
            <Button asChild>
              <Link href="/segments/new">
                <PlusIcon />
                New segment
              </Link>
            </Button>
          ) : null
        }
      />
      <SegmentsList canEdit={canEdit} />
    </>
  );
}
