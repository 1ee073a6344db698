import type { Metadata } from "next";
import { DownloadIcon } from "lucide-react";
import { ImportHistory } from "@/components/imports/import-history";
import { ImportWizard } from "@/components/imports/import-wizard";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Import contacts" };

export default async function ImportContactsPage() {
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  const canImport = membership.role !== "viewer";
  const canExport = membership.role === "owner" || membership.role === "admin";
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Import contacts"
        description="Bring a list in from a CSV file. Existing contacts are updated, never duplicated; consent columns become ledger events."
        actions={
          canExport ? (
            <Button asChild variant="outline">
              <a href="/api/contacts/export" download>
                <DownloadIcon />
                Export CSV
              </a>
            </Button>
          ) : null
        }
        className="mb-0 sm:mb-0"
      />
      {canImport ? (
        <>
          <ImportWizard />
          <ImportHistory />
        </>
      ) : (
        <Alert>
          <AlertTitle>Marketers and admins only</AlertTitle>
          <AlertDescription>Ask an admin of this workspace for the marketer role to import contacts.</AlertDescription>
        </Alert>
      )}
    </div>
  );
}
