"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { DownloadIcon } from "lucide-react";
import { BackLink } from "@/components/ui/back-link";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import type { TCampaignComparison } from "@/server/services/campaigns";
import { COMPARE_MAX, COMPARE_MIN } from "@/server/shared/campaign-report";
import { CardHeading } from "./card-heading";
import { percent } from "./campaign-engagement";
import { CHANNEL_LABELS, STATUS_LABELS } from "./labels";

type Compared = TCampaignComparison["campaigns"][number];

const n = (value: number) => value.toLocaleString("en-US");

/** The rows of the comparison: each a funnel count or a rate of every campaign. */
const ROWS: { label: string; value: (c: Compared) => string }[] = [
  { label: "Channel", value: (c) => CHANNEL_LABELS[c.channel] },
  { label: "Status", value: (c) => STATUS_LABELS[c.status] },
  { label: "Audience", value: (c) => n(c.funnel.audience) },
  { label: "Sent", value: (c) => n(c.funnel.sent) },
  { label: "Delivered", value: (c) => n(c.funnel.delivered) },
  { label: "Opened", value: (c) => `${n(c.funnel.opened)} (${percent(c.rates.openRate)})` },
  { label: "Clicked", value: (c) => `${n(c.funnel.clicked)} (${percent(c.rates.clickRate)})` },
  { label: "Click-to-open", value: (c) => percent(c.rates.clickToOpenRate) },
  { label: "Replied", value: (c) => `${n(c.funnel.replied)} (${percent(c.rates.replyRate)})` },
  { label: "Blocked", value: (c) => n(c.funnel.blocked) },
  { label: "Failed", value: (c) => `${n(c.funnel.failed)} (${percent(c.rates.failureRate)})` },
  { label: "Unsubscribed", value: (c) => `${n(c.funnel.unsubscribed)} (${percent(c.rates.unsubscribeRate)})` },
  { label: "Complained", value: (c) => `${n(c.funnel.complained)} (${percent(c.rates.complaintRate)})` },
];

/**
 * Campaigns side by side (`campaigns.compare`): one column per campaign, in the order they were
 * ticked on the list, one row per funnel count and rate; downloadable as CSV.
 */
export function CampaignComparison({ ids }: { ids: string }) {
  const trpc = useTRPC();
  const count = ids.split(",").filter(Boolean).length;
  const valid = count >= COMPARE_MIN && count <= COMPARE_MAX;
  const comparison = useQuery({ ...trpc.campaigns.compare.queryOptions({ ids }), enabled: valid });
  return (
    <div className="grid gap-6">
      <PageHeader
        eyebrow={<BackLink href="/campaigns">Campaigns</BackLink>}
        title="Compare campaigns"
        description="Each campaign's funnel over all its runs. Rates are over delivered messages."
      />
      <Card>
        <CardHeader>
          <CardHeading>Side by side</CardHeading>
          <CardDescription>
            {comparison.data?.countMachineOpens
              ? "Machine opens and clicks are counted (Settings → General)."
              : "Machine opens and clicks are left out."}
          </CardDescription>
          {valid ? (
            <CardAction>
              <Button variant="outline" size="sm" asChild>
                <a href={`/api/campaigns/compare.csv?ids=${encodeURIComponent(ids)}`} download>
                  <DownloadIcon />
                  Download CSV
                </a>
              </Button>
            </CardAction>
          ) : null}
        </CardHeader>
        <CardContent>
          {!valid ? (
            <p className="text-sm text-muted-foreground">
              Tick {COMPARE_MIN} to {COMPARE_MAX} campaigns on the{" "}
              <Link href="/campaigns" className="underline underline-offset-4">
                list of campaigns
              </Link>{" "}
              and choose Compare.
            </p>
          ) : comparison.isPending ? (
            <LoadingRows label="Loading the comparison" />
          ) : comparison.isError ? (
            <LoadError message={errorMessage(comparison.error)} onRetry={() => void comparison.refetch()} />
          ) : (
            <Table data-testid="campaign-comparison">
              <TableCaption className="sr-only">Campaigns compared</TableCaption>
              <TableHeader>
                <TableRow>
                  <TableHead scope="col">
                    <span className="sr-only">Measure</span>
                  </TableHead>
                  {comparison.data.campaigns.map((c) => (
                    <TableHead key={c.campaignId} scope="col" className="text-right whitespace-normal">
                      <Link href={`/campaigns/${c.campaignId}`} className="underline-offset-4 hover:underline">
                        {c.name}
                      </Link>
                    </TableHead>
                  ))}
                </TableRow>
              </TableHeader>
              <TableBody>
                {ROWS.map((row) => (
                  <TableRow key={row.label}>
                    <TableHead scope="row" className="font-normal">
                      {row.label}
                    </TableHead>
                    {comparison.data.campaigns.map((c) => (
                      <TableCell key={c.campaignId} className="text-right tabular-nums">
                        {row.value(c)}
                      </TableCell>
                    ))}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
