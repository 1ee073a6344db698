"use client";

import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { BarChart3Icon } from "lucide-react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ChartCard } from "@/components/analytics/chart-card";
import { CHANNEL_META, CHANNEL_OPTIONS, SOURCE_LABELS, SUPPRESSION_REASON_LABELS } from "@/components/contacts/labels";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import { EmptyState } from "@/components/ui/empty-state";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { presetRange, RANGE_PRESETS } from "@/server/shared/analytics";
import type { Channel } from "@/server/shared/enums";
import { OptionalSelect } from "@/components/ui/filter-fields";

const AXIS = { fontSize: 12, fill: "var(--muted-foreground)" };
const tooltipStyle = {
  contentStyle: { background: "var(--popover)", color: "var(--popover-foreground)", borderColor: "var(--border)" },
};
const shortDay = (day: string) => day.slice(5);

/**
 * Opt-outs (consent ledger) and suppressions added per day, with a table of the same numbers by
 * channel, topic and source or reason, and the CSV of that table.
 */
export function OptOutReport({ today }: { today: string }) {
  const trpc = useTRPC();
  const [days, setDays] = useState<number>(30);
  const [channel, setChannel] = useState<Channel | null>(null);
  const range = presetRange(days, today);
  const input = { from: range.from, to: range.to, channel: channel ?? undefined };
  const report = useQuery(trpc.suppressions.report.queryOptions(input));
  const csv = `/api/suppressions/report.csv?${new URLSearchParams({
    from: range.from,
    to: range.to,
    ...(channel ? { channel } : {}),
  }).toString()}`;

  return (
    <section aria-labelledby="opt-out-report-heading" className="grid gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="grid gap-1">
          <h2 id="opt-out-report-heading" className="text-base font-semibold">
            Opt-out report
          </h2>
          <p className="text-sm text-muted-foreground">
            Opt-outs recorded in the consent ledger and suppressions added, per day in the workspace&apos;s time zone.
          </p>
        </div>
        <div className="flex flex-wrap gap-3">
          <div className="grid gap-1.5">
            <Label htmlFor="report-range">Period</Label>
            <Select value={String(days)} onValueChange={(v) => setDays(Number(v))}>
              <SelectTrigger id="report-range" className="w-40">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {RANGE_PRESETS.map((n) => (
                  <SelectItem key={n} value={String(n)}>
                    Last {n} days
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <OptionalSelect
            id="report-channel"
            label="Channel"
            value={channel}
            onChange={setChannel}
            anyLabel="Both channels"
            options={CHANNEL_OPTIONS}
            triggerClassName="w-36"
          />
        </div>
      </div>

      {report.isPending ? (
        <LoadingRows label="Loading opt-out report" />
      ) : report.isError ? (
        <LoadError message={errorMessage(report.error)} onRetry={() => void report.refetch()} />
      ) : (
        <ChartCard
          testId="section-opt-outs"
          title="Opt-outs and suppressions per day"
          description="Opt-outs by channel, topic and source; suppressions by channel and reason (removed ones are not counted)."
          summary={`Bar chart of opt-outs and suppressions per day from ${report.data.range.from} to ${report.data.range.to}: ${report.data.totals.optOuts} opt-outs, ${report.data.totals.suppressions} suppressions.`}
          csvHref={csv}
          table={{
            columns: ["Day", "Kind", "Channel", "Topic", "Source or reason", "Count"],
            rows: [
              ...report.data.optOuts.map((r) => [
                r.day,
                "Opt-out",
                CHANNEL_META[r.channel].label,
                r.topicName,
                SOURCE_LABELS[r.source] ?? r.source,
                r.count,
              ]),
              ...report.data.suppressions.map((r) => [
                r.day,
                "Suppression",
                CHANNEL_META[r.channel].label,
                "—",
                SUPPRESSION_REASON_LABELS[r.reason] ?? r.reason,
                r.count,
              ]),
            ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
          }}
          empty={
            report.data.totals.optOuts + report.data.totals.suppressions === 0 ? (
              <EmptyState
                icon={BarChart3Icon}
                title="No opt-outs or suppressions in this period"
                description="Unsubscribes, STOP replies, bounces, complaints and addresses added by hand are counted here."
              />
            ) : undefined
          }
        >
          <ResponsiveContainer width="100%" height="100%">
            <BarChart accessibilityLayer={false} data={report.data.days}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              <XAxis dataKey="day" tickFormatter={shortDay} tick={AXIS} />
              <YAxis allowDecimals={false} tick={AXIS} width={40} />
              <Tooltip {...tooltipStyle} />
              <Legend />
              <Bar dataKey="optOuts" name="Opt-outs" fill="var(--chart-5)" />
              <Bar dataKey="suppressions" name="Suppressions" fill="var(--chart-3)" />
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>
      )}
    </section>
  );
}
