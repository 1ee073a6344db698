import { z } from "zod";
import { invalid } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { csvLine } from "../imports/csv-values";
import { compareCampaigns } from "./compare-campaigns";
import { getCampaignReport } from "./get-campaign-report";
import { funnelCsvRows } from "./report-math";

/** The report sections a CSV can hold. */
export const REPORT_CSV_SECTIONS = ["funnel", "hourly", "links", "blocked"] as const;
export type ReportCsvSection = (typeof REPORT_CSV_SECTIONS)[number];

const ZExportReportInput = z.object({
  id: z.string(),
  runId: z.uuid("Give the id of one of the campaign's runs").optional(),
  section: z.enum(REPORT_CSV_SECTIONS, `Section is one of ${REPORT_CSV_SECTIONS.join(", ")}`),
});

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(issue.message, issue.path.join("."));
  }
  return parsed.data;
}

/**
 * One section of a campaign's report as CSV (the numbers the report shows): `funnel`
 * (stage,count,rate), `hourly` (hour,opens,clicks), `links` (url,unique_clicks,total_clicks) or
 * `blocked` (reason,count). Counts only, no personal data; every cell goes through the CSV
 * formula escaping.
 */
export async function exportCampaignReportCsv({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string; runId?: string; section?: string };
}): Promise<string> {
  const { id, runId, section } = parse(ZExportReportInput, input);
  const report = await getCampaignReport({ ctx, input: { id, runId } });
  if (section === "hourly")
    return (
      csvLine(["hour", "opens", "clicks"]) + report.hourly.map((h) => csvLine([h.hour, h.opens, h.clicks])).join("")
    );
  if (section === "links")
    return (
      csvLine(["url", "unique_clicks", "total_clicks"]) +
      report.topLinks.map((l) => csvLine([l.url, l.uniqueClicks, l.totalClicks])).join("")
    );
  if (section === "blocked")
    return (
      csvLine(["reason", "count"]) +
      Object.entries(report.funnel.blockedByReason)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([reason, n]) => csvLine([reason, n]))
        .join("")
    );
  return csvLine(["stage", "count", "rate"]) + funnelCsvRows(report.funnel, report.rates).map(csvLine).join("");
}

/** The comparison as CSV: one row per campaign, its funnel counts and rates. */
export async function exportCampaignComparisonCsv({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ids: string };
}): Promise<string> {
  const { campaigns } = await compareCampaigns({ ctx, input });
  const rate = (r: number | null) => (r === null ? null : r.toFixed(4));
  const header = [
    "campaign_id",
    "name",
    "channel",
    "audience",
    "sent",
    "delivered",
    "opened",
    "clicked",
    "replied",
    "blocked",
    "failed",
    "unsubscribed",
    "complained",
    "open_rate",
    "click_rate",
    "click_to_open_rate",
    "unsubscribe_rate",
    "complaint_rate",
  ];
  return (
    csvLine(header) +
    campaigns
      .map((c) =>
        csvLine([
          c.campaignId,
          c.name,
          c.channel,
          c.funnel.audience,
          c.funnel.sent,
          c.funnel.delivered,
          c.funnel.opened,
          c.funnel.clicked,
          c.funnel.replied,
          c.funnel.blocked,
          c.funnel.failed,
          c.funnel.unsubscribed,
          c.funnel.complained,
          rate(c.rates.openRate),
          rate(c.rates.clickRate),
          rate(c.rates.clickToOpenRate),
          rate(c.rates.unsubscribeRate),
          rate(c.rates.complaintRate),
        ]),
      )
      .join("")
  );
}
