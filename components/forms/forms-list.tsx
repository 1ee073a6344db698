"use client";

import * as React from "react";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { ClipboardListIcon, ExternalLinkIcon, PlusIcon } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { EmptyState } from "@/components/ui/empty-state";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { formatRelative } from "@/components/settings/format";
import { LoadError, LoadingRows } from "@/components/settings/table-states";

/** The workspace's hosted forms with their public link, status and sign-up count. */
export function FormsList({ canManage, publicUrl }: { canManage: boolean; publicUrl: string }) {
  const trpc = useTRPC();
  const [includeArchived, setIncludeArchived] = React.useState(false);
  const forms = useQuery(trpc.forms.list.queryOptions({ includeArchived }));
  const items = forms.data?.items ?? [];

  return (
    <div className="grid gap-4">
      <div className="flex items-center justify-end gap-2">
        <Switch id="show-archived" checked={includeArchived} onCheckedChange={setIncludeArchived} />
        <Label htmlFor="show-archived" className="text-sm font-normal text-muted-foreground">
          Show archived
        </Label>
      </div>
      <Card className="py-0">
        {forms.isPending ? (
          <LoadingRows label="Loading forms" />
        ) : forms.isError ? (
          <LoadError message={errorMessage(forms.error)} onRetry={() => void forms.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState
            bare
            className="py-14"
            icon={ClipboardListIcon}
            title={includeArchived ? "No forms yet" : "No active forms"}
            description="A hosted form collects opt-ins with proof: the exact consent text, the form version, and double opt-in where it's needed. Link to it or embed it on your site."
            action={
              canManage ? (
                <Button asChild>
                  <Link href="/forms/new">
                    <PlusIcon />
                    Create a form
                  </Link>
                </Button>
              ) : null
            }
          />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Form</TableHead>
                <TableHead className="hidden md:table-cell">Public link</TableHead>
                <TableHead className="hidden sm:table-cell">Version</TableHead>
                <TableHead className="text-right">Sign-ups</TableHead>
                <TableHead className="hidden lg:table-cell">Updated</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((form) => {
                const url = `${publicUrl}/f/${form.key}`;
                return (
                  <TableRow
                    key={form.id}
                    data-testid="form-row"
                    data-archived={form.archived ? "" : undefined}
                    className={form.archived ? "bg-muted/40" : undefined}
                  >
                    <TableCell>
                      <Link href={`/forms/${form.id}`} className="font-medium underline-offset-4 hover:underline">
                        {form.name}
                      </Link>
                      <div className="mt-1 flex flex-wrap items-center gap-1.5">
                        <span className="max-w-[16rem] truncate text-xs text-muted-foreground">{form.title}</span>
                        {form.doubleOptIn ? <Badge variant="info">Double opt-in</Badge> : null}
                        {form.archived ? <Badge variant="muted">Archived</Badge> : null}
                      </div>
                    </TableCell>
                    <TableCell className="hidden md:table-cell">
                      <div className="flex items-center gap-1">
                        <code className="max-w-[14rem] truncate text-xs text-muted-foreground">/f/{form.key}</code>
                        <CopyButton value={url} srLabel={`Copy link to ${form.name}`} size="icon-sm" variant="ghost" />
                        {form.archived ? null : (
                          <Button asChild size="icon-sm" variant="ghost">
                            <a href={url} target="_blank" rel="noreferrer" aria-label={`Open ${form.name}`}>
                              <ExternalLinkIcon />
                            </a>
                          </Button>
                        )}
                      </div>
                    </TableCell>
                    <TableCell className="hidden text-muted-foreground sm:table-cell">v{form.currentVersion}</TableCell>
                    <TableCell className="text-right tabular-nums">{form.signups}</TableCell>
                    <TableCell className="hidden text-muted-foreground lg:table-cell">
                      {formatRelative(form.updatedAt)}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
