"use client";

import * as React from "react";
import Link from "next/link";
import { useQueries, useQuery } from "@tanstack/react-query";
import { FilterIcon, PlusIcon } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Label } from "@/components/ui/label";
import { Spinner } from "@/components/ui/spinner";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { formatRelative } from "@/components/settings/format";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import type { TSegmentCount } from "@/server/services/segments";
import { countText, isFresh } from "./labels";

/** Seconds a list row waits for its count before showing "Counting…" and asking again. */
const COUNT_WAIT_SECONDS = 2;
const POLL_MS = 2000;

/**
 * The workspace's segments with their audience size. A row whose count is missing or older than
 * 10 minutes asks for a new one (counted in the background on the server) and shows
 * "Counting…" until it arrives.
 */
export function SegmentsList({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const [includeArchived, setIncludeArchived] = React.useState(false);
  const list = useQuery(trpc.segments.list.queryOptions({ includeArchived }));
  const items = React.useMemo(() => list.data?.items ?? [], [list.data]);
  const stale = items.filter(
    (s) => !s.archived && !(s.count && s.count.status !== "pending" && isFresh(s.count.computedAt)),
  );
  const counts = useQueries({
    queries: stale.map((s) => ({
      ...trpc.segments.count.queryOptions({ id: s.id, wait: COUNT_WAIT_SECONDS }),
      refetchInterval: (query: { state: { data?: TSegmentCount } }) =>
        query.state.data?.status === "pending" ? POLL_MS : false,
    })),
  });
  const latest = new Map(stale.map((s, i) => [s.id, counts[i]]));

  return (
    <div className="grid gap-4">
      <div className="flex items-center justify-end gap-2">
        <Switch id="segments-archived" checked={includeArchived} onCheckedChange={setIncludeArchived} />
        <Label htmlFor="segments-archived" className="text-sm font-normal text-muted-foreground">
          Show archived
        </Label>
      </div>
      <Card className="py-0">
        {list.isPending ? (
          <LoadingRows label="Loading segments" />
        ) : list.isError ? (
          <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState
            bare
            className="py-14"
            icon={FilterIcon}
            title="No segments yet"
            description="A segment is a saved audience: contacts who match conditions on their profile, tags, attributes, consent and activity, such as “VIPs in Canada opted in to the newsletter”. It stays up to date as your contacts change."
            action={
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
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Segment</TableHead>
                <TableHead>Contacts</TableHead>
                <TableHead className="hidden md:table-cell">Updated</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((s) => {
                const asked = latest.get(s.id);
                const count = asked?.data ?? s.count;
                const counting = Boolean(asked) && (asked!.isPending || asked!.data?.status === "pending");
                return (
                  <TableRow
                    key={s.id}
                    data-testid="segment-row"
                    data-archived={s.archived ? "" : undefined}
                    className={s.archived ? "bg-muted/40" : undefined}
                  >
                    <TableCell className="whitespace-normal">
                      <Link href={`/segments/${s.id}`} className="font-medium underline-offset-4 hover:underline">
                        {s.name}
                      </Link>
                      <div className="mt-0.5 flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
                        <span>v{s.version}</span>
                        {s.archived ? <Badge variant="muted">Archived</Badge> : null}
                        {s.description ? <span className="line-clamp-1 max-w-md">· {s.description}</span> : null}
                      </div>
                    </TableCell>
                    <TableCell data-testid="segment-count" aria-live="polite">
                      {counting ? (
                        <span className="flex items-center gap-2 text-muted-foreground">
                          <Spinner label="Counting" />
                          Counting…
                        </span>
                      ) : asked?.isError ? (
                        <span className="text-muted-foreground">{errorMessage(asked.error)}</span>
                      ) : (
                        <span
                          className={count?.status === "ready" ? "tabular-nums" : "text-muted-foreground"}
                          title={count?.computedAt ? `Counted ${formatRelative(count.computedAt)}` : undefined}
                        >
                          {countText(count)}
                        </span>
                      )}
                    </TableCell>
                    <TableCell className="hidden text-muted-foreground md:table-cell">
                      {formatRelative(s.updatedAt)}
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
