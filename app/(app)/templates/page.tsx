import type { Metadata } from "next";
import Link from "next/link";
import { PlusIcon } from "lucide-react";
import { TemplatesList } from "@/components/templates/templates-list";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Templates" };

export default async function TemplatesPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  const canEdit = membership.role !== "viewer";
  return (
    <>
      <PageHeader
        title="Templates"
        description="Reusable emails and text messages with personalisation and translations. Every save is a new version and passes the compliance check."
        actions={
          canEdit ? (
            <Button asChild>
              <Link href="/templates/new">
                <PlusIcon />
                New template
              </Link>
            </Button>
          ) : null
        }
      />
      <TemplatesList canEdit={canEdit} />
    </>
  );
}
