"use client";

import * as React from "react";
import Link from "next/link";
import { useInfiniteQuery } from "@tanstack/react-query";
import { DownloadIcon } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { FormField } from "@/components/ui/form-field";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { formatWhen } from "@/components/contacts/labels";
import { reasonLabel } from "@/components/messages/labels";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import type { TCampaignRun } from "@/server/services/campaigns";
import { CardHeading } from "./card-heading";
import type { BlockReason } from "@/server/shared/enums";
import {
  blockReasonLabel,
  OUTCOME_LABELS,
  OUTCOME_VARIANTS,
  RECIPIENT_REASON_FILTERS,
  RUN_KIND_LABELS,
  type RecipientOutcome,
} from "./labels";

const ALL = "all";
const PAGE_SIZE = 50;
/** While the campaign sends, the loaded pages are read again this often. */
const LIVE_REFRESH_MS = 5_000;

/**
 * A run's recipients, filtered by outcome and by block reason ("Frequency cap": the recipients a
 * cap skipped, whom the runs card can send to later), 50 at a time with "Load more"; names and addresses
 * are masked for viewers (by the server). "Export CSV" downloads the same list, whole.
 */
export function CampaignRecipients({
  campaignId,
  run,
  latest,
  live,
  masked,
  initialFilter,
}: {
  campaignId: string;
  run: TCampaignRun;
  /** The run is the campaign's latest. */
  latest: boolean;
  live: boolean;
  masked: boolean;
  /** The filter the list starts with (the Report's "Show recipients"). */
  initialFilter?: { outcome: RecipientOutcome; reason?: BlockReason };
}) {
  const trpc = useTRPC();
  const fieldId = React.useId();
  const [outcome, setOutcome] = React.useState<RecipientOutcome | typeof ALL>(initialFilter?.outcome ?? ALL);
  const [reason, setReason] = React.useState<BlockReason | typeof ALL>(initialFilter?.reason ?? ALL);
  const filters = { ...(outcome === ALL ? {} : { outcome }), ...(reason === ALL ? {} : { reason }) };
  const list = useInfiniteQuery({
    ...trpc.campaigns.recipients.infiniteQueryOptions(
      { id: campaignId, runId: run.id, ...filters, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor },
    ),
    refetchInterval: live && latest ? LIVE_REFRESH_MS : false,
  });
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const local = items.some((r) => r.sendAt !== null);
  const csv = new URLSearchParams({ runId: run.id, ...filters });

  return (
    <Card className="gap-0 pb-0" data-testid="campaign-recipients">
      <CardHeader className="pb-4">
        <CardHeading>Recipients</CardHeading>
        <CardDescription>
          {RUN_KIND_LABELS[run.kind] ?? run.kind} run of {formatWhen(run.scheduledFor)}
          {latest ? " (the latest)" : ""}.{masked ? " Names and addresses are masked for viewers." : ""}
        </CardDescription>
        <CardAction>
          <Button variant="outline" size="sm" asChild>
            <a href={`/api/campaigns/${campaignId}/recipients.csv?${csv.toString()}`} download>
              <DownloadIcon />
              Export CSV
            </a>
          </Button>
        </CardAction>
      </CardHeader>
      <CardContent className="flex flex-wrap gap-4 pb-4">
        <FormField id={`${fieldId}-outcome`} label="Outcome" className="w-56">
          <Select value={outcome} onValueChange={(value) => setOutcome(value as RecipientOutcome | typeof ALL)}>
            <SelectTrigger id={`${fieldId}-outcome`} className="w-full">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={ALL}>All outcomes</SelectItem>
              {Object.entries(OUTCOME_LABELS).map(([value, label]) => (
                <SelectItem key={value} value={value}>
                  {label}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </FormField>
        <FormField id={`${fieldId}-reason`} label="Blocked reason" className="w-56">
          <Select value={reason} onValueChange={(value) => setReason(value as BlockReason | typeof ALL)}>
            <SelectTrigger id={`${fieldId}-reason`} className="w-full">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={ALL}>Any reason</SelectItem>
              {RECIPIENT_REASON_FILTERS.map(([value, label]) => (
                <SelectItem key={value} value={value}>
                  {label}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </FormField>
      </CardContent>
      {list.isPending ? (
        <LoadingRows label="Loading recipients" />
      ) : list.isError ? (
        <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <p className="px-6 pb-6 text-sm text-muted-foreground" role="status">
          {reason !== ALL
            ? `No recipient of this run matches: none was blocked for ${blockReasonLabel(reason).toLowerCase()}${outcome === ALL ? "" : ` with this outcome`}.`
            : outcome === ALL
              ? "No recipients in this run yet: the audience is fixed when the run starts."
              : `No recipient is ${OUTCOME_LABELS[outcome].toLowerCase()}.`}
        </p>
      ) : (
        <>
          <Table data-testid="campaign-recipient-table">
            <TableHeader>
              <TableRow>
                <TableHead scope="col">Name</TableHead>
                <TableHead scope="col">Address</TableHead>
                <TableHead scope="col">Outcome</TableHead>
                <TableHead scope="col">Reason</TableHead>
                {local ? <TableHead scope="col">Send time</TableHead> : null}
                <TableHead scope="col">Message</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((r) => (
                <TableRow key={r.contactId} data-testid="campaign-recipient-row" data-outcome={r.outcome}>
                  <TableCell>
                    <Link href={`/contacts/${r.contactId}`} className="font-medium underline-offset-4 hover:underline">
                      {r.name ?? <span className="text-muted-foreground">No name</span>}
                    </Link>
                  </TableCell>
                  <TableCell>{r.address ?? <span className="text-muted-foreground">—</span>}</TableCell>
                  <TableCell>
                    <Badge variant={OUTCOME_VARIANTS[r.outcome]}>{OUTCOME_LABELS[r.outcome]}</Badge>
                  </TableCell>
                  <TableCell className="whitespace-normal text-muted-foreground">
                    {r.reason
                      ? r.outcome === "blocked"
                        ? blockReasonLabel(r.reason)
                        : (reasonLabel(r.reason) ?? r.reason)
                      : "—"}
                  </TableCell>
                  {local ? (
                    <TableCell className="tabular-nums">
                      {r.sendAt ? (
                        <>
                          <time dateTime={r.sendAt.toISOString()}>{formatWhen(r.sendAt)}</time>
                          {r.zone ? (
                            <span className="block text-xs text-muted-foreground">{r.zone.replaceAll("_", " ")}</span>
                          ) : null}
                        </>
                      ) : (
                        "—"
                      )}
                    </TableCell>
                  ) : null}
                  <TableCell>
                    {r.messageId ? (
                      <Link href={`/messages/${r.messageId}`} className="underline-offset-4 hover:underline">
                        View<span className="sr-only"> the message to {r.name ?? r.address ?? "this recipient"}</span>
                      </Link>
                    ) : (
                      <span className="text-muted-foreground">—</span>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {list.hasNextPage ? (
            <div className="flex justify-center border-t px-6 py-3">
              <Button
                type="button"
                variant="outline"
                onClick={() => void list.fetchNextPage()}
                disabled={list.isFetchingNextPage}
              >
                {list.isFetchingNextPage ? <Spinner /> : null}
                Load more
              </Button>
            </div>
          ) : null}
        </>
      )}
    </Card>
  );
}
