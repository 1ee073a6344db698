"use client";

import { useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import { BarChart3Icon, CalendarClockIcon, DownloadIcon, FileTextIcon, MailIcon, UsersIcon } from "lucide-react";
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
import { blockReasonLabel } from "@/components/campaigns/labels";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import {
  formatRate,
  formatSigned,
  presetRange,
  RANGE_PRESETS,
  resolveRange,
  type DayRange,
} from "@/server/shared/analytics";
import type { Channel } from "@/server/shared/enums";
import { ChartCard } from "./chart-card";
import { CHANNEL_OPTIONS } from "@/components/contacts/labels";
import { OptionalSelect } from "@/components/ui/filter-fields";

/** The dashboard's filters as they appear in the URL. */
export interface DashboardParams {
  range?: string;
  from?: string;
  to?: string;
  topic?: string;
  channel?: string;
}

const AXIS = { fontSize: 12, fill: "var(--muted-foreground)" };
const tooltipStyle = {
  contentStyle: { background: "var(--popover)", color: "var(--popover-foreground)", borderColor: "var(--border)" },
};

/** The range the URL asks for: a preset (`range=7|30|90`), a valid custom `from`/`to`, else the last 30 days. */
export function rangeFromParams(params: DashboardParams, today: string): { range: DayRange; preset: number | null } {
  const preset = Number(params.range);
  if ((RANGE_PRESETS as readonly number[]).includes(preset)) return { range: presetRange(preset, today), preset };
  if (params.from || params.to) {
    const resolved = resolveRange({ from: params.from, to: params.to }, today);
    if (resolved.ok) return { range: resolved.range, preset: null };
  }
  return { range: presetRange(30, today), preset: 30 };
}

const shortDay = (day: string) => day.slice(5);

function Kpi({ label, value, detail, testId }: { label: string; value: string; detail: string; testId: string }) {
  return (
    <Card className="gap-1 py-4" data-testid={testId}>
      <CardHeader className="px-4">
        <CardDescription>{label}</CardDescription>
        <CardTitle className="text-2xl tabular-nums">{value}</CardTitle>
      </CardHeader>
      <CardContent className="px-4 text-xs text-muted-foreground">{detail}</CardContent>
    </Card>
  );
}

/**
 * The marketers' home page: KPI tiles, then one card per section (sent per day, blocked by reason,
 * opt-ins vs opt-outs, best send hour, top forms), each a chart with its table and CSV. Filters
 * (range preset or custom days, topic, channel) live in the URL; each section is one query.
 */
export function AnalyticsDashboard({
  params,
  today,
  topics,
}: {
  params: DashboardParams;
  today: string;
  topics: { key: string; name: string }[];
}) {
  const router = useRouter();
  const trpc = useTRPC();
  const { range, preset } = rangeFromParams(params, today);
  const topic = topics.some((t) => t.key === params.topic) ? params.topic : undefined;
  const channel: Channel | undefined =
    params.channel === "email" || params.channel === "sms" ? params.channel : undefined;
  const input = { from: range.from, to: range.to, topic, channel };
  const [custom, setCustom] = useState({ from: range.from, to: range.to });
  const [customError, setCustomError] = useState<string | null>(null);

  const navigate = (next: DashboardParams) => {
    const merged: DashboardParams = { topic, channel, ...next };
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(merged)) if (v) search.set(k, v);
    const text = search.toString();
    router.replace(text ? `/?${text}` : "/", { scroll: false });
  };
  const rangeParams = preset ? { range: String(preset) } : { from: range.from, to: range.to };
  const exportHref = (file: string) => {
    const search = new URLSearchParams({ from: range.from, to: range.to });
    if (topic) search.set("topic", topic);
    if (channel) search.set("channel", channel);
    return `/api/analytics/${file}?${search.toString()}`;
  };
  const csv = (section: string) => exportHref(`${section}.csv`);
  const scheduleParams = new URLSearchParams({ new: "dashboard" });
  if (topic) scheduleParams.set("topic", topic);
  if (channel) scheduleParams.set("channel", channel);

  const delivery = useQuery(trpc.analytics.delivery.queryOptions(input));
  const trend = useQuery(trpc.analytics.consentTrend.queryOptions(input));
  const hours = useQuery(trpc.analytics.bestSendHour.queryOptions(input));
  const forms = useQuery(trpc.analytics.topForms.queryOptions(input));

  const applyCustom = (event: React.FormEvent) => {
    event.preventDefault();
    const resolved = resolveRange(custom, today);
    if (!resolved.ok) {
      setCustomError(resolved.problem.message.replaceAll("`", ""));
      return;
    }
    setCustomError(null);
    navigate({ from: resolved.range.from, to: resolved.range.to, range: undefined });
  };

  const noMessages = delivery.data && delivery.data.totals.sent + delivery.data.totals.blocked === 0;
  const noConsent =
    trend.data && trend.data.totals.optIns + trend.data.totals.optOuts === 0 && trend.data.totals.audience === 0;

  return (
    <div className="grid gap-6" data-testid="analytics-dashboard">
      <section aria-label="Filters" className="flex flex-wrap items-end gap-4">
        <div className="grid gap-1.5">
          <span className="text-sm font-medium" id="range-label">
            Date range
          </span>
          <div role="group" aria-labelledby="range-label" className="flex gap-1">
            {RANGE_PRESETS.map((days) => (
              <Button
                key={days}
                type="button"
                size="sm"
                variant={preset === days ? "default" : "outline"}
                aria-pressed={preset === days}
                onClick={() => navigate({ range: String(days), from: undefined, to: undefined })}
              >
                {days} days
              </Button>
            ))}
          </div>
        </div>
        <form className="flex flex-wrap items-end gap-2" onSubmit={applyCustom} aria-label="Custom range">
          <div className="grid gap-1.5">
            <Label htmlFor="range-from">From</Label>
            <Input
              id="range-from"
              type="date"
              className="w-40"
              value={custom.from}
              max={today}
              onChange={(e) => setCustom((c) => ({ ...c, from: e.target.value }))}
            />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="range-to">To</Label>
            <Input
              id="range-to"
              type="date"
              className="w-40"
              value={custom.to}
              onChange={(e) => setCustom((c) => ({ ...c, to: e.target.value }))}
            />
          </div>
          <Button type="submit" size="sm" variant={preset ? "outline" : "default"}>
            Apply dates
          </Button>
          {customError ? (
            <p role="alert" className="w-full text-sm text-destructive">
              {customError}
            </p>
          ) : null}
        </form>
        <OptionalSelect
          id="filter-topic"
          label="Topic"
          value={topic ?? null}
          onChange={(v) => navigate({ ...rangeParams, topic: v ?? undefined })}
          anyLabel="All topics"
          options={topics.map((t) => ({ value: t.key, label: t.name }))}
          triggerClassName="w-44"
        />
        <OptionalSelect
          id="filter-channel"
          label="Channel"
          value={channel ?? null}
          onChange={(v) => navigate({ ...rangeParams, channel: v ?? undefined })}
          anyLabel="Both channels"
          options={CHANNEL_OPTIONS}
          triggerClassName="w-36"
        />
        <p className="text-sm text-muted-foreground" data-testid="range-text">
          {range.from} to {range.to}
          {delivery.data ? ` (${delivery.data.range.timezone})` : ""}
        </p>
        <div className="ml-auto flex flex-wrap gap-2">
          <Button variant="outline" size="sm" asChild>
            <a href={exportHref("report.pdf")} download aria-label="Download the dashboard as PDF">
              <DownloadIcon />
              Download PDF
            </a>
          </Button>
          <Button variant="outline" size="sm" asChild>
            <Link href={`/reports?${scheduleParams.toString()}`}>
              <CalendarClockIcon />
              Schedule this report
            </Link>
          </Button>
        </div>
      </section>

      <section aria-label="Key figures" className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <Kpi
          testId="kpi-delivery-rate"
          label="Delivery rate"
          value={delivery.data ? formatRate(delivery.data.totals.deliveryRate) : "…"}
          detail={delivery.data ? `${delivery.data.totals.delivered} of ${delivery.data.totals.sent} sent` : "Loading"}
        />
        <Kpi
          testId="kpi-bounce-rate"
          label="Bounce rate"
          value={delivery.data ? formatRate(delivery.data.totals.bounceRate) : "…"}
          detail={delivery.data ? `${delivery.data.totals.bounced} bounced` : "Loading"}
        />
        <Kpi
          testId="kpi-complaint-rate"
          label="Complaint rate"
          value={delivery.data ? formatRate(delivery.data.totals.complaintRate, 2) : "…"}
          detail={delivery.data ? `${delivery.data.totals.complained} spam complaints` : "Loading"}
        />
        <Kpi
          testId="kpi-net-growth"
          label="Net consent growth"
          value={trend.data ? formatSigned(trend.data.totals.net) : "…"}
          detail={
            trend.data
              ? `${trend.data.totals.optIns} opt-ins, ${trend.data.totals.optOuts} opt-outs; ${trend.data.totals.audience} consented`
              : "Loading"
          }
        />
      </section>

      <div className="grid gap-4 lg:grid-cols-2">
        {delivery.isPending ? (
          <LoadingRows label="Loading delivery" />
        ) : delivery.isError ? (
          <LoadError message={errorMessage(delivery.error)} onRetry={() => void delivery.refetch()} />
        ) : (
          <>
            <ChartCard
              testId="section-sent"
              title="Messages sent per day"
              description="Handed to a provider, by day of the workspace's time zone; blocked sends apart."
              summary={`Bar chart of messages sent per day from ${range.from} to ${range.to}: ${delivery.data.totals.sent} sent, ${delivery.data.totals.delivered} delivered, ${delivery.data.totals.blocked} blocked.`}
              csvHref={csv("delivery")}
              table={{
                columns: ["Day", "Sent", "Delivered", "Bounced", "Failed", "Complained", "Blocked"],
                rows: delivery.data.days.map((d) => [
                  d.day,
                  d.sent,
                  d.delivered,
                  d.bounced,
                  d.failed,
                  d.complained,
                  d.blocked,
                ]),
              }}
              empty={
                noMessages ? (
                  <EmptyState
                    icon={MailIcon}
                    title="No messages in this period"
                    description="Send a campaign, or send through the API, and delivery appears here the same day."
                    action={
                      <Button asChild size="sm">
                        <Link href="/campaigns">Go to campaigns</Link>
                      </Button>
                    }
                  />
                ) : undefined
              }
            >
              <ResponsiveContainer width="100%" height="100%">
                <BarChart accessibilityLayer={false} data={delivery.data.days}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                  <XAxis dataKey="day" tickFormatter={shortDay} tick={AXIS} />
                  <YAxis allowDecimals={false} tick={AXIS} width={40} />
                  <Tooltip {...tooltipStyle} />
                  <Legend />
                  <Bar dataKey="delivered" name="Delivered" stackId="s" fill="var(--chart-1)" />
                  <Bar dataKey="bounced" name="Bounced" stackId="s" fill="var(--chart-5)" />
                  <Bar dataKey="failed" name="Failed" stackId="s" fill="var(--chart-4)" />
                  <Bar dataKey="blocked" name="Blocked" fill="var(--chart-3)" />
                </BarChart>
              </ResponsiveContainer>
            </ChartCard>
            <ChartCard
              testId="section-blocked"
              title="Blocked sends by reason"
              description="Sends the consent and delivery policy stopped before any provider saw them."
              summary={`Bar chart of blocked sends by reason: ${
                delivery.data.blockedByReason.map((r) => `${blockReasonLabel(r.reason)} ${r.count}`).join(", ") ||
                "none"
              }.`}
              csvHref={csv("blocked")}
              table={{
                columns: ["Reason", "Blocked sends"],
                rows: delivery.data.blockedByReason.map((r) => [blockReasonLabel(r.reason), r.count]),
              }}
              empty={
                delivery.data.blockedByReason.length === 0 ? (
                  <EmptyState
                    icon={BarChart3Icon}
                    title="Nothing blocked in this period"
                    description="Sends without consent, to suppressed addresses, in quiet hours or over a frequency cap would be counted here."
                  />
                ) : undefined
              }
            >
              <ResponsiveContainer width="100%" height="100%">
                <BarChart
                  accessibilityLayer={false}
                  data={delivery.data.blockedByReason.map((r) => ({ ...r, label: blockReasonLabel(r.reason) }))}
                  layout="vertical"
                >
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                  <XAxis type="number" allowDecimals={false} tick={AXIS} />
                  <YAxis type="category" dataKey="label" tick={AXIS} width={120} />
                  <Tooltip {...tooltipStyle} />
                  <Bar dataKey="count" name="Blocked sends" fill="var(--chart-3)" />
                </BarChart>
              </ResponsiveContainer>
            </ChartCard>
          </>
        )}

        {trend.isPending ? (
          <LoadingRows label="Loading consent trend" />
        ) : trend.isError ? (
          <LoadError message={errorMessage(trend.error)} onRetry={() => void trend.refetch()} />
        ) : (
          <ChartCard
            testId="section-consent"
            title="Opt-ins vs opt-outs per day"
            description="From the consent ledger: consents that began and ended each day, and the consented audience."
            summary={`Chart of opt-ins and opt-outs per day from ${range.from} to ${range.to}: ${trend.data.totals.optIns} opt-ins, ${trend.data.totals.optOuts} opt-outs, net ${formatSigned(trend.data.totals.net)}.`}
            csvHref={csv("consent-trend")}
            table={{
              columns: ["Day", "Opt-ins", "Opt-outs", "Net", "Consented audience"],
              rows: trend.data.days.map((d) => [d.day, d.optIns, d.optOuts, formatSigned(d.net), d.audience]),
            }}
            empty={
              noConsent ? (
                <EmptyState
                  icon={UsersIcon}
                  title="No consent recorded yet"
                  description="Publish a sign-up form, import contacts with their consent, or record consent through the API."
                  action={
                    <Button asChild size="sm">
                      <Link href="/forms">Create a form</Link>
                    </Button>
                  }
                />
              ) : undefined
            }
          >
            <ResponsiveContainer width="100%" height="100%">
              <LineChart accessibilityLayer={false} data={trend.data.days}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                <XAxis dataKey="day" tickFormatter={shortDay} tick={AXIS} />
                <YAxis allowDecimals={false} tick={AXIS} width={40} />
                <Tooltip {...tooltipStyle} />
                <Legend />
                <Line
                  type="monotone"
                  dataKey="optIns"
                  name="Opt-ins"
                  stroke="var(--chart-1)"
                  strokeWidth={2}
                  dot={false}
                />
                <Line
                  type="monotone"
                  dataKey="optOuts"
                  name="Opt-outs"
                  stroke="var(--chart-5)"
                  strokeWidth={2}
                  strokeDasharray="5 3"
                  dot={false}
                />
              </LineChart>
            </ResponsiveContainer>
          </ChartCard>
        )}

        {hours.isPending ? (
          <LoadingRows label="Loading best send hour" />
        ) : hours.isError ? (
          <LoadError message={errorMessage(hours.error)} onRetry={() => void hours.refetch()} />
        ) : (
          <ChartCard
            testId="section-best-hour"
            title="Best send hour"
            description={`Open and click rates by the hour of the recipient's own day the message went out${
              hours.data.best.byOpens !== null
                ? `; best for opens: ${hours.data.best.byOpens}:00`
                : `; an hour needs ${hours.data.minSample} delivered messages to count`
            }.`}
            summary={`Bar chart of open and click rates for each hour of the recipient's day${
              hours.data.best.byOpens !== null ? `; the best hour for opens is ${hours.data.best.byOpens}:00` : ""
            }${hours.data.best.byClicks !== null ? `, for clicks ${hours.data.best.byClicks}:00` : ""}.`}
            csvHref={csv("best-hour")}
            table={{
              columns: ["Hour", "Delivered", "Opened", "Clicked", "Open rate", "Click rate"],
              rows: hours.data.hours.map((h) => [
                `${String(h.hour).padStart(2, "0")}:00`,
                h.delivered,
                h.opened,
                h.clicked,
                formatRate(h.openRate),
                formatRate(h.clickRate),
              ]),
            }}
            empty={
              hours.data.hours.every((h) => h.delivered === 0) ? (
                <EmptyState
                  icon={MailIcon}
                  title="No delivered messages yet"
                  description="Rates by hour appear once messages are delivered; turn on open and click tracking in Settings to measure them."
                />
              ) : undefined
            }
          >
            <ResponsiveContainer width="100%" height="100%">
              <BarChart
                accessibilityLayer={false}
                data={hours.data.hours.map((h) => ({
                  hour: String(h.hour).padStart(2, "0"),
                  open: h.openRate === null ? 0 : Math.round(h.openRate * 1000) / 10,
                  click: h.clickRate === null ? 0 : Math.round(h.clickRate * 1000) / 10,
                }))}
              >
                <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                <XAxis dataKey="hour" tick={AXIS} />
                <YAxis unit="%" tick={AXIS} width={48} />
                <Tooltip {...tooltipStyle} />
                <Legend />
                <Bar dataKey="open" name="Open rate (%)" fill="var(--chart-2)" />
                <Bar dataKey="click" name="Click rate (%)" fill="var(--chart-3)" />
              </BarChart>
            </ResponsiveContainer>
          </ChartCard>
        )}

        {forms.isPending ? (
          <LoadingRows label="Loading top forms" />
        ) : forms.isError ? (
          <LoadError message={errorMessage(forms.error)} onRetry={() => void forms.refetch()} />
        ) : (
          <ChartCard
            testId="section-top-forms"
            title="Top forms by opt-ins"
            description="Opt-ins recorded through each hosted form in the period."
            summary={`Bar chart of opt-ins by form: ${
              forms.data.forms.map((f) => `${f.name} ${f.optIns}`).join(", ") || "none"
            }.`}
            csvHref={csv("top-forms")}
            table={{
              columns: ["Form", "Opt-ins", "Contacts"],
              rows: forms.data.forms.map((f) => [f.name, f.optIns, f.contacts]),
            }}
            empty={
              forms.data.forms.length === 0 ? (
                <EmptyState
                  icon={FileTextIcon}
                  title="No form sign-ups in this period"
                  description="Create a hosted form and share or embed it; its sign-ups are ranked here."
                  action={
                    <Button asChild size="sm" variant="outline">
                      <Link href="/forms">Go to forms</Link>
                    </Button>
                  }
                />
              ) : undefined
            }
          >
            <ResponsiveContainer width="100%" height="100%">
              <BarChart accessibilityLayer={false} data={forms.data.forms} layout="vertical">
                <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                <XAxis type="number" allowDecimals={false} tick={AXIS} />
                <YAxis type="category" dataKey="name" tick={AXIS} width={120} />
                <Tooltip {...tooltipStyle} />
                <Bar dataKey="optIns" name="Opt-ins" fill="var(--chart-1)" />
              </BarChart>
            </ResponsiveContainer>
          </ChartCard>
        )}
      </div>
    </div>
  );
}
