"use client";

import { useQuery } from "@tanstack/react-query";
import { Card, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import type { TCampaign, TCampaignEngagement } from "@/server/services/campaigns";
import { CardHeading } from "./card-heading";
import { TopLinksTable } from "./top-links-table";

const POLL_MS = 10_000;

/** A share as a percentage with one decimal ("—" before anything was delivered). */
export function percent(rate: number | null): string {
  return rate === null ? "—" : `${(Math.round(rate * 1000) / 10).toLocaleString("en-US")}%`;
}

function Figure({ label, value, detail, testId }: { label: string; value: string; detail?: string; testId: string }) {
  return (
    <div className="grid gap-1" data-testid={testId}>
      <dt className="text-sm text-muted-foreground">{label}</dt>
      <dd className="text-2xl font-semibold tabular-nums">{value}</dd>
      {detail ? <dd className="text-xs text-muted-foreground">{detail}</dd> : null}
    </div>
  );
}

/**
 * The Engagement card of a sent campaign: unique open and click rates over delivered messages,
 * totals, machine opens and clicks apart (security scanners, Apple Mail Privacy Protection; left
 * out of the rates unless Settings → General counts them), replies for SMS, and the most clicked
 * links.
 */
export function CampaignEngagementCard({ campaign, live }: { campaign: TCampaign; live: boolean }) {
  const trpc = useTRPC();
  const engagement = useQuery({
    ...trpc.campaigns.engagement.queryOptions({ id: campaign.id }),
    refetchInterval: live ? POLL_MS : false,
  });
  return (
    <Card data-testid="campaign-engagement">
      <CardHeader>
        <CardHeading>Engagement</CardHeading>
        <CardDescription>
          Unique rates are over delivered messages.{" "}
          {engagement.data?.countMachineOpens
            ? "Machine opens and clicks are counted (Settings → General)."
            : "Machine opens and clicks (security scanners, Apple Mail Privacy Protection) are shown apart and not counted."}
        </CardDescription>
      </CardHeader>
      <CardContent>
        {engagement.isPending ? (
          <LoadingRows label="Loading engagement" />
        ) : engagement.isError ? (
          <LoadError message={errorMessage(engagement.error)} onRetry={() => void engagement.refetch()} />
        ) : (
          <EngagementFigures channel={campaign.channel} data={engagement.data} />
        )}
      </CardContent>
    </Card>
  );
}

function EngagementFigures({ channel, data }: { channel: TCampaign["channel"]; data: TCampaignEngagement }) {
  const n = (value: number) => value.toLocaleString("en-US");
  return (
    <div className="grid gap-6">
      <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
        <Figure label="Delivered" value={n(data.delivered)} testId="engagement-delivered" />
        {channel === "email" ? (
          <Figure
            label="Opened"
            value={percent(data.opens.rate)}
            detail={`${n(data.opens.unique)} unique · ${n(data.opens.total)} total · ${n(data.opens.machine)} machine`}
            testId="engagement-opens"
          />
        ) : (
          <Figure label="Replied" value={n(data.replies)} testId="engagement-replies" />
        )}
        <Figure
          label="Clicked"
          value={percent(data.clicks.rate)}
          detail={`${n(data.clicks.unique)} unique · ${n(data.clicks.total)} total · ${n(data.clicks.machine)} machine`}
          testId="engagement-clicks"
        />
        <Figure
          label="Machine opens"
          value={n(data.opens.machine)}
          detail={`${n(data.opens.uniqueMachine)} messages`}
          testId="engagement-machine"
        />
      </dl>
      <TopLinksTable links={data.topLinks} />
    </div>
  );
}
