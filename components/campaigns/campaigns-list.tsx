"use client";

import * as React from "react";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { ChartColumnIcon, MegaphoneIcon, PlusIcon } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { EmptyState } from "@/components/ui/empty-state";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { formatRelative } from "@/components/settings/format";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import type { TCampaign } from "@/server/services/campaigns";
import { formatWhen } from "@/components/contacts/labels";
import { COMPARE_MAX, COMPARE_MIN } from "@/server/shared/campaign-report";
import { CHANNEL_LABELS, STATUS_LABELS, STATUS_VARIANTS } from "./labels";

/** While a campaign is sending or waiting for its run, the list is read again this often. */
const LIVE_REFRESH_MS = 5_000;
const LIVE = new Set(["scheduled", "sending"]);

/**
 * "1,234 / 1,500 sent" once the campaign has a run (its latest run's figures); before that the
 * last dry run's "1,500 (1,430 sendable)", or none.
 */
function reachText(counts: TCampaign["counts"]): string | null {
  const n = (value: number | null) => (value ?? 0).toLocaleString("en-US");
  if (counts.sent !== null) return `${n(counts.sent)} / ${n(counts.audience)} sent`;
  if (counts.audience !== null) return `${n(counts.audience)} (${n(counts.sendable)} sendable)`;
  return null;
}

/** When a scheduled campaign goes next: its next occurrence, or the time it was scheduled at. */
function nextSend(campaign: TCampaign): Date | null {
  if (campaign.status !== "scheduled") return null;
  if (campaign.nextRunAt) return campaign.nextRunAt;
  return campaign.schedule?.type === "at" ? new Date(campaign.schedule.at) : null;
}

/** The workspace's campaigns: status, channel, sent / audience of the latest run (or the last dry run), last change. */
export function CampaignsList({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const [includeArchived, setIncludeArchived] = React.useState(false);
  const list = useQuery({
    ...trpc.campaigns.list.queryOptions({ includeArchived }),
    refetchInterval: (query) => (query.state.data?.items.some((c) => LIVE.has(c.status)) ? LIVE_REFRESH_MS : false),
  });
  const items = list.data?.items ?? [];
  // Campaigns ticked for the side-by-side comparison, in the order ticked.
  const [selected, setSelected] = React.useState<string[]>([]);
  const toggle = (id: string, on: boolean) =>
    setSelected((ids) => (on ? [...ids.filter((x) => x !== id), id] : ids.filter((x) => x !== id)));
  const canCompare = selected.length >= COMPARE_MIN && selected.length <= COMPARE_MAX;

  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-center justify-end gap-2">
        <p className="mr-auto text-sm text-muted-foreground" aria-live="polite">
          {selected.length === 0
            ? `Tick ${COMPARE_MIN} to ${COMPARE_MAX} campaigns to compare them.`
            : `${selected.length} selected for comparison${selected.length < COMPARE_MIN ? `: tick at least ${COMPARE_MIN}` : ""}.`}
        </p>
        {canCompare ? (
          <Button variant="outline" size="sm" asChild>
            <Link href={`/campaigns/compare?ids=${selected.join(",")}`}>
              <ChartColumnIcon />
              Compare {selected.length}
            </Link>
          </Button>
        ) : (
          <Button variant="outline" size="sm" disabled>
            <ChartColumnIcon />
            Compare
          </Button>
        )}
        <Switch id="campaigns-archived" checked={includeArchived} onCheckedChange={setIncludeArchived} />
        <Label htmlFor="campaigns-archived" className="text-sm font-normal text-muted-foreground">
          Show archived
        </Label>
      </div>
      <Card className="py-0">
        {list.isPending ? (
          <LoadingRows label="Loading campaigns" />
        ) : list.isError ? (
          <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState
            bare
            className="py-14"
            icon={MegaphoneIcon}
            title="No campaigns yet"
            description="A campaign is one message, on one channel and topic, to an audience: a segment, or everyone with an address. Check who it would reach with a dry run and send yourself a test."
            action={
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
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead className="w-10">
                  <span className="sr-only">Compare</span>
                </TableHead>
                <TableHead>Campaign</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>Channel</TableHead>
                <TableHead>Audience</TableHead>
                <TableHead className="hidden md:table-cell">Updated</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((c) => (
                <TableRow key={c.id} data-testid="campaign-row">
                  <TableCell>
                    <Checkbox
                      aria-label={`Compare ${c.name}`}
                      checked={selected.includes(c.id)}
                      disabled={!selected.includes(c.id) && selected.length >= COMPARE_MAX}
                      onCheckedChange={(checked) => toggle(c.id, checked === true)}
                    />
                  </TableCell>
                  <TableCell className="whitespace-normal">
                    <Link href={`/campaigns/${c.id}`} className="font-medium underline-offset-4 hover:underline">
                      {c.name}
                    </Link>
                    <div className="mt-0.5 text-xs text-muted-foreground">Topic {c.topic}</div>
                  </TableCell>
                  <TableCell>
                    <Badge variant={STATUS_VARIANTS[c.status]}>{STATUS_LABELS[c.status]}</Badge>
                    {nextSend(c) ? (
                      <div className="mt-0.5 text-xs text-muted-foreground">Next {formatWhen(nextSend(c)!)}</div>
                    ) : null}
                  </TableCell>
                  <TableCell>{CHANNEL_LABELS[c.channel]}</TableCell>
                  <TableCell className="tabular-nums" data-testid="campaign-reach">
                    {reachText(c.counts) ?? <span className="text-muted-foreground">No dry run yet</span>}
                  </TableCell>
                  <TableCell className="hidden text-muted-foreground md:table-cell">
                    {formatRelative(c.updatedAt)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
