"use client";

import * as React from "react";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { CalendarClockIcon, DownloadIcon } from "lucide-react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { FormField } from "@/components/ui/form-field";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import { formatWhen } from "@/components/contacts/labels";
import type { TCampaign, TCampaignReport } from "@/server/services/campaigns";
import type { BlockReason } from "@/server/shared/enums";
import { CardHeading } from "./card-heading";
import { percent } from "./campaign-engagement";
import { blockReasonLabel, RUN_KIND_LABELS, type RecipientOutcome } from "./labels";
import { TopLinksTable } from "./top-links-table";

const ALL_RUNS = "all";

/** Where "Show recipients" leads: the Progress tab's recipients list, filtered. */
export interface RecipientFilter {
  outcome: RecipientOutcome;
  reason?: BlockReason;
}

/** Chart colours (3:1 or better against the card in both themes); lines also differ by dash. */
const OPENS_COLOUR = "var(--chart-3)";
const CLICKS_COLOUR = "var(--chart-5)";

const n = (value: number) => value.toLocaleString("en-US");

function CsvLink({ report, section, label }: { report: TCampaignReport; section: string; label: string }) {
  const run = report.runId ? `&runId=${report.runId}` : "";
  return (
    <Button variant="outline" size="sm" asChild>
      <a
        href={`/api/campaigns/${report.campaignId}/report.csv?section=${section}${run}`}
        download
        aria-label={`Download ${label} CSV`}
      >
        <DownloadIcon />
        Download CSV
      </a>
    </Button>
  );
}

export interface FunnelStage {
  key: string;
  label: string;
  count: number;
  /** Share of delivered (engagement stages); null for the stages before. */
  rate: number | null;
}

/** The funnel's stages for the chart and its table: opens for email, replies for SMS. */
export function funnelStages(report: TCampaignReport): FunnelStage[] {
  const f = report.funnel;
  return [
    { key: "audience", label: "Audience", count: f.audience, rate: null },
    { key: "sent", label: "Sent", count: f.sent, rate: null },
    { key: "delivered", label: "Delivered", count: f.delivered, rate: null },
    ...(report.channel === "email"
      ? [{ key: "opened", label: "Opened", count: f.opened, rate: report.rates.openRate }]
      : [{ key: "replied", label: "Replied", count: f.replied, rate: report.rates.replyRate }]),
    { key: "clicked", label: "Clicked", count: f.clicked, rate: report.rates.clickRate },
  ];
}

/**
 * The Report tab of a sent campaign: the funnel (bar chart and its table), what fell out on the
 * way (blocked by reason, failed, unsubscribed, complained; with a way to the matching
 * recipients), opens and clicks per hour after the send (line chart and its table) and the top
 * links. Every section downloads as CSV, the whole report as PDF. Numbers are `campaigns.report`'s, over every run.
 */
export function CampaignReport({
  campaign,
  onShowRecipients,
}: {
  campaign: TCampaign;
  onShowRecipients?: (filter: RecipientFilter) => void;
}) {
  const trpc = useTRPC();
  const fieldId = React.useId();
  const [runId, setRunId] = React.useState<string>(ALL_RUNS);
  const runs = useQuery(trpc.campaigns.runs.queryOptions({ id: campaign.id }));
  const report = useQuery(
    trpc.campaigns.report.queryOptions({ id: campaign.id, ...(runId === ALL_RUNS ? {} : { runId }) }),
  );
  const runItems = runs.data?.items ?? [];
  const pdfHref = `/api/campaigns/${campaign.id}/report.pdf${runId === ALL_RUNS ? "" : `?runId=${runId}`}`;
  return (
    <div className="grid gap-4" data-testid="campaign-report">
      <div className="flex flex-wrap items-end justify-between gap-4">
        {runItems.length > 1 ? (
          <FormField id={`${fieldId}-run`} label="Run" className="w-72">
            <Select value={runId} onValueChange={setRunId}>
              <SelectTrigger id={`${fieldId}-run`} className="w-full">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value={ALL_RUNS}>All runs</SelectItem>
                {runItems.map((run) => (
                  <SelectItem key={run.id} value={run.id}>
                    {RUN_KIND_LABELS[run.kind] ?? run.kind} · {formatWhen(run.startedAt ?? run.scheduledFor)}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </FormField>
        ) : (
          <span />
        )}
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" size="sm" asChild>
            <a href={pdfHref} download aria-label="Download the report as PDF">
              <DownloadIcon />
              Download PDF
            </a>
          </Button>
          <Button variant="outline" size="sm" asChild>
            <Link href={`/reports?new=campaign&campaignId=${campaign.id}`}>
              <CalendarClockIcon />
              Schedule this report
            </Link>
          </Button>
        </div>
      </div>
      {report.isPending ? (
        <LoadingRows label="Loading the report" />
      ) : report.isError ? (
        <LoadError message={errorMessage(report.error)} onRetry={() => void report.refetch()} />
      ) : (
        <>
          <FunnelCard report={report.data} />
          <OutcomesCard report={report.data} onShowRecipients={onShowRecipients} />
          {report.data.channel === "email" || report.data.funnel.clicked > 0 ? (
            <HourlyCard report={report.data} />
          ) : null}
          <LinksCard report={report.data} />
        </>
      )}
    </div>
  );
}

function FunnelCard({ report }: { report: TCampaignReport }) {
  const stages = funnelStages(report);
  const summary = `Funnel: ${stages.map((s) => `${s.label} ${n(s.count)}${s.rate !== null ? ` (${percent(s.rate)})` : ""}`).join(", ")}.`;
  return (
    <Card>
      <CardHeader>
        <CardHeading>Funnel</CardHeading>
        <CardDescription>
          {report.runId
            ? "Over this run."
            : report.runs === 1
              ? "Over the campaign's run."
              : `Over its ${n(report.runs)} runs.`}{" "}
          Rates are over delivered messages;{" "}
          {report.countMachineOpens
            ? "machine opens and clicks are counted (Settings → General)."
            : `machine opens and clicks are left out (${n(report.funnel.machineOpened)} messages opened and ${n(report.funnel.machineClicked)} clicked by machines).`}
        </CardDescription>
        <CardAction>
          <CsvLink report={report} section="funnel" label="funnel" />
        </CardAction>
      </CardHeader>
      <CardContent className="grid gap-4">
        <div role="img" aria-label={summary} className="h-64 w-full">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart accessibilityLayer={false} data={stages} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="label" tick={{ fill: "var(--foreground)" }} />
              <YAxis allowDecimals={false} tick={{ fill: "var(--foreground)" }} />
              <Tooltip formatter={(value) => n(Number(value))} />
              <Bar dataKey="count" name="Messages" fill={OPENS_COLOUR} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
        <Table data-testid="report-funnel-table">
          <TableCaption className="sr-only">Funnel, as a table</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead scope="col">Stage</TableHead>
              <TableHead scope="col" className="text-right">
                Count
              </TableHead>
              <TableHead scope="col" className="text-right">
                Rate
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {stages.map((stage) => (
              <TableRow key={stage.key} data-stage={stage.key}>
                <TableHead scope="row" className="font-normal">
                  {stage.label}
                </TableHead>
                <TableCell className="text-right tabular-nums">{n(stage.count)}</TableCell>
                <TableCell className="text-right tabular-nums">
                  {stage.rate === null ? "—" : percent(stage.rate)}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
}

function OutcomesCard({
  report,
  onShowRecipients,
}: {
  report: TCampaignReport;
  onShowRecipients?: (filter: RecipientFilter) => void;
}) {
  const f = report.funnel;
  const reasons = Object.entries(f.blockedByReason).sort(([, a], [, b]) => b - a);
  const show = (label: string, filter: RecipientFilter) =>
    onShowRecipients ? (
      <Button type="button" variant="link" className="h-auto p-0" onClick={() => onShowRecipients(filter)}>
        Show recipients<span className="sr-only"> {label}</span>
      </Button>
    ) : null;
  return (
    <Card>
      <CardHeader>
        <CardHeading>What fell out</CardHeading>
        <CardDescription>
          Blocked by the send policy, failed after hand-over, opted out through the campaign (its unsubscribe link, or
          STOP within 72 hours of its text) and marked as spam.
        </CardDescription>
        <CardAction>
          <CsvLink report={report} section="blocked" label="blocked reasons" />
        </CardAction>
      </CardHeader>
      <CardContent>
        <Table data-testid="report-outcomes-table">
          <TableCaption className="sr-only">Blocked by reason, failed, unsubscribed and complained</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead scope="col">Outcome</TableHead>
              <TableHead scope="col" className="text-right">
                Count
              </TableHead>
              <TableHead scope="col" className="text-right">
                Rate
              </TableHead>
              <TableHead scope="col">
                <span className="sr-only">Recipients</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {reasons.map(([reason, count]) => (
              <TableRow key={reason} data-outcome={`blocked:${reason}`}>
                <TableHead scope="row" className="font-normal">
                  Blocked: {blockReasonLabel(reason).toLowerCase()}
                </TableHead>
                <TableCell className="text-right tabular-nums">{n(count)}</TableCell>
                <TableCell className="text-right">—</TableCell>
                <TableCell>
                  {show(`blocked for ${blockReasonLabel(reason).toLowerCase()}`, {
                    outcome: "blocked",
                    reason: reason as BlockReason,
                  })}
                </TableCell>
              </TableRow>
            ))}
            {reasons.length === 0 ? (
              <TableRow data-outcome="blocked">
                <TableHead scope="row" className="font-normal">
                  Blocked
                </TableHead>
                <TableCell className="text-right tabular-nums">0</TableCell>
                <TableCell className="text-right">—</TableCell>
                <TableCell />
              </TableRow>
            ) : null}
            <TableRow data-outcome="failed">
              <TableHead scope="row" className="font-normal">
                Failed
              </TableHead>
              <TableCell className="text-right tabular-nums">{n(f.failed)}</TableCell>
              <TableCell className="text-right tabular-nums">{percent(report.rates.failureRate)}</TableCell>
              <TableCell>{f.failed > 0 ? show("who failed", { outcome: "failed" }) : null}</TableCell>
            </TableRow>
            <TableRow data-outcome="unsubscribed">
              <TableHead scope="row" className="font-normal">
                Unsubscribed
              </TableHead>
              <TableCell className="text-right tabular-nums">{n(f.unsubscribed)}</TableCell>
              <TableCell className="text-right tabular-nums">{percent(report.rates.unsubscribeRate)}</TableCell>
              <TableCell />
            </TableRow>
            <TableRow data-outcome="complained">
              <TableHead scope="row" className="font-normal">
                Complained (spam)
              </TableHead>
              <TableCell className="text-right tabular-nums">{n(f.complained)}</TableCell>
              <TableCell className="text-right tabular-nums">{percent(report.rates.complaintRate)}</TableCell>
              <TableCell />
            </TableRow>
            {f.queued > 0 || f.cancelled > 0 ? (
              <TableRow data-outcome="not-sent">
                <TableHead scope="row" className="font-normal">
                  Not sent yet / cancelled
                </TableHead>
                <TableCell className="text-right tabular-nums">
                  {n(f.queued)} / {n(f.cancelled)}
                </TableCell>
                <TableCell className="text-right">—</TableCell>
                <TableCell>{f.cancelled > 0 ? show("cancelled", { outcome: "cancelled" }) : null}</TableCell>
              </TableRow>
            ) : null}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
}

function HourlyCard({ report }: { report: TCampaignReport }) {
  const [asTable, setAsTable] = React.useState(false);
  const peak = (key: "opens" | "clicks") =>
    report.hourly.reduce((best, h) => (h[key] > best[key] ? h : best), report.hourly[0]!);
  const totalOpens = report.hourly.reduce((sum, h) => sum + h.opens, 0);
  const totalClicks = report.hourly.reduce((sum, h) => sum + h.clicks, 0);
  const summary =
    totalOpens + totalClicks === 0
      ? "Opens and clicks per hour after the send: none in the first 72 hours."
      : `Opens and clicks per hour after the send, first 72 hours: ${n(totalOpens)} opens (most in hour ${peak("opens").hour + 1}), ${n(totalClicks)} clicks (most in hour ${peak("clicks").hour + 1}).`;
  const rows = report.hourly.filter((h) => h.opens > 0 || h.clicks > 0);
  return (
    <Card>
      <CardHeader>
        <CardHeading>Opens and clicks per hour</CardHeading>
        <CardDescription>The first 72 hours after each run started (hour 1 is the first hour).</CardDescription>
        <CardAction className="flex gap-2">
          <Button
            type="button"
            variant="outline"
            size="sm"
            aria-pressed={asTable}
            onClick={() => setAsTable((v) => !v)}
          >
            {asTable ? "Show as chart" : "Show as table"}
          </Button>
          <CsvLink report={report} section="hourly" label="hourly opens and clicks" />
        </CardAction>
      </CardHeader>
      <CardContent>
        {asTable ? (
          <Table data-testid="report-hourly-table">
            <TableCaption className="sr-only">Opens and clicks per hour after the send</TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead scope="col">Hour after the send</TableHead>
                <TableHead scope="col" className="text-right">
                  Opens
                </TableHead>
                <TableHead scope="col" className="text-right">
                  Clicks
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.length === 0 ? (
                <TableRow>
                  <TableCell colSpan={3} className="text-muted-foreground">
                    No opens or clicks in the first 72 hours.
                  </TableCell>
                </TableRow>
              ) : (
                rows.map((h) => (
                  <TableRow key={h.hour}>
                    <TableHead scope="row" className="font-normal">
                      Hour {h.hour + 1}
                    </TableHead>
                    <TableCell className="text-right tabular-nums">{n(h.opens)}</TableCell>
                    <TableCell className="text-right tabular-nums">{n(h.clicks)}</TableCell>
                  </TableRow>
                ))
              )}
            </TableBody>
          </Table>
        ) : (
          <div role="img" aria-label={summary} className="h-64 w-full">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart
                accessibilityLayer={false}
                data={report.hourly.map((h) => ({ ...h, label: h.hour + 1 }))}
                margin={{ top: 8, right: 8, bottom: 8, left: 8 }}
              >
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="label" interval={11} tick={{ fill: "var(--foreground)" }} />
                <YAxis allowDecimals={false} tick={{ fill: "var(--foreground)" }} />
                <Tooltip labelFormatter={(label) => `Hour ${String(label)}`} />
                <Legend />
                <Line
                  type="monotone"
                  dataKey="opens"
                  name="Opens"
                  stroke={OPENS_COLOUR}
                  strokeWidth={2}
                  dot={false}
                  isAnimationActive={false}
                />
                <Line
                  type="monotone"
                  dataKey="clicks"
                  name="Clicks"
                  stroke={CLICKS_COLOUR}
                  strokeWidth={2}
                  strokeDasharray="6 3"
                  dot={false}
                  isAnimationActive={false}
                />
              </LineChart>
            </ResponsiveContainer>
          </div>
        )}
      </CardContent>
    </Card>
  );
}

function LinksCard({ report }: { report: TCampaignReport }) {
  return (
    <Card>
      <CardHeader>
        <CardHeading>Top links</CardHeading>
        <CardDescription>The most clicked links, most unique clicks first.</CardDescription>
        <CardAction>
          <CsvLink report={report} section="links" label="top links" />
        </CardAction>
      </CardHeader>
      <CardContent>
        <TopLinksTable links={report.topLinks} testId="report-links-table" />
      </CardContent>
    </Card>
  );
}
