"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { DownloadIcon, HistoryIcon, PlayIcon } from "lucide-react";
import { toast } from "@/components/ui/toaster";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { formatDateTime } from "@/components/settings/format";
import { LoadError, LoadingRows } from "@/components/settings/table-states";

const STATUS_VARIANT = { pending: "muted", running: "info", completed: "success", failed: "destructive" } as const;

/**
 * Past imports of the workspace, newest first; refreshes while one is running. An import whose
 * process stopped shows as interrupted; one that can go on (interrupted, or failed on an internal
 * error, with its file still stored) offers Resume.
 */
export function ImportHistory() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const resume = useMutation(
    trpc.imports.resume.mutationOptions({
      onSuccess: async () => {
        toast.success("Import resumed from its last saved row");
        await queryClient.invalidateQueries({ queryKey: trpc.imports.list.queryKey() });
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const list = useQuery({
    ...trpc.imports.list.queryOptions({ limit: 20 }),
    refetchInterval: (query) => (query.state.data?.items.some((i) => i.status === "running") ? 2000 : false),
  });
  const items = list.data?.items ?? [];
  return (
    <Card className="gap-0 py-0">
      <CardHeader className="py-4">
        <CardTitle>Past imports</CardTitle>
      </CardHeader>
      {list.isPending ? (
        <LoadingRows label="Loading imports" />
      ) : list.isError ? (
        <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState
          bare
          className="py-10"
          icon={HistoryIcon}
          title="No imports yet"
          description="Imports you run appear here with their counts."
        />
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>File</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right">Rows</TableHead>
              <TableHead className="hidden text-right sm:table-cell">New</TableHead>
              <TableHead className="hidden text-right sm:table-cell">Updated</TableHead>
              <TableHead className="text-right">Rejected</TableHead>
              <TableHead className="hidden md:table-cell">Started</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((item) => (
              <TableRow key={item.id} data-testid="import-row">
                <TableCell className="max-w-48 truncate font-medium">{item.filename ?? "Untitled"}</TableCell>
                <TableCell>
                  {item.interrupted ? (
                    <Badge variant="warning">interrupted</Badge>
                  ) : (
                    <Badge variant={STATUS_VARIANT[item.status]}>{item.status}</Badge>
                  )}
                </TableCell>
                <TableCell className="text-right tabular-nums">{item.processedRows.toLocaleString()}</TableCell>
                <TableCell className="hidden text-right tabular-nums sm:table-cell">
                  {item.insertedRows.toLocaleString()}
                </TableCell>
                <TableCell className="hidden text-right tabular-nums sm:table-cell">
                  {item.updatedRows.toLocaleString()}
                </TableCell>
                <TableCell className="text-right tabular-nums">
                  {item.rejectedRows > 0 && item.status !== "running" ? (
                    <Button asChild variant="link" size="sm" className="h-auto p-0">
                      <a
                        href={`/api/imports/${item.id}/rejections`}
                        download
                        aria-label={`Download ${item.rejectedRows} rejected rows`}
                      >
                        {item.rejectedRows.toLocaleString()}
                        <DownloadIcon className="size-3.5" />
                      </a>
                    </Button>
                  ) : (
                    item.rejectedRows.toLocaleString()
                  )}
                </TableCell>
                <TableCell className="hidden text-muted-foreground md:table-cell">
                  {formatDateTime(item.startedAt ?? item.createdAt)}
                </TableCell>
                <TableCell className="text-right">
                  {item.resumable ? (
                    <Button
                      variant="outline"
                      size="sm"
                      disabled={resume.isPending}
                      onClick={() => resume.mutate({ id: item.id })}
                      aria-label={`Resume import ${item.filename ?? "Untitled"} after line ${item.lastLine}`}
                    >
                      <PlayIcon className="size-3.5" />
                      Resume
                    </Button>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}
