import type { Metadata } from "next";
import Link from "next/link";
import { PlusIcon } from "lucide-react";
import { FormsList } from "@/components/forms/forms-list";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { getServerCaller } from "@/server/api/server-caller";
import { getEnv } from "@/server/lib/env";

export const metadata: Metadata = { title: "Forms" };

export default async function FormsPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  const canManage = membership.role === "owner" || membership.role === "admin";
  return (
    <>
      <PageHeader
        title="Forms"
        description="Hosted opt-in forms: share the link or embed them on your site. Every sign-up records the consent text and form version it saw."
        actions={
          canManage ? (
            <Button asChild>
              <Link href="/forms/new">
                <PlusIcon />
                New form
              </Link>
            </Button>
          ) : null
        }
      />
      <FormsList canManage={canManage} publicUrl={getEnv().PUBLIC_URL} />
    </>
  );
}
