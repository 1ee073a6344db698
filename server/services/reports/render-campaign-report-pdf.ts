import type { ServiceContext } from "../context";
import { getCampaignReport } from "../campaigns/get-campaign-report";
import { workspaceSettingsOf } from "../campaigns/runs";
import { fileSlug, formatCount, formatInstant, formatRate, ReportPdf } from "./pdf-layout";
import type { RenderedPdf } from "./render-dashboard-pdf";
import { workspaceNameOf } from "./workspace-name";

/**
 * A campaign's report as a PDF, from the report service the Report tab shows: the funnel (with
 * bars), rates, opens and clicks per hour after the start, top links, blocked reasons,
 * unsubscribes and, with an A/B test, every variant with the significance test. A campaign or run
 * not of the workspace is NOT_FOUND.
 */
export async function renderCampaignReportPdf({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string; runId?: string };
}): Promise<RenderedPdf> {
  const [report, workspaceName, settings] = await Promise.all([
    getCampaignReport({ ctx, input }),
    workspaceNameOf(ctx),
    workspaceSettingsOf(ctx.db, ctx.workspaceId),
  ]);
  const timezone = settings.messaging.timezone;
  const f = report.funnel;
  const r = report.rates;
  const scope = report.runId ? `One run of ${report.runs}` : `${formatCount(report.runs)} run(s)`;
  const started = report.firstSentAt ? `first sent ${formatInstant(report.firstSentAt, timezone)}` : "not sent yet";
  const doc = new ReportPdf({ title: `Campaign report: ${report.name}`, author: workspaceName })
    .header({
      title: `Campaign report: ${report.name}`,
      workspaceName,
      subtitle: `${report.channel === "email" ? "Email" : "SMS"} campaign, ${scope}, ${started}`,
      filters: report.countMachineOpens
        ? "Machine opens and clicks are counted"
        : "Machine opens and clicks are left out",
      generatedAt: ctx.now(),
      timezone,
    })
    .section("Headline")
    .figures([
      { label: "Audience", value: formatCount(f.audience) },
      { label: "Sent", value: formatCount(f.sent) },
      { label: "Delivered", value: formatCount(f.delivered) },
      {
        label: report.channel === "sms" ? "Reply rate" : "Open rate",
        value: formatRate(report.channel === "sms" ? r.replyRate : r.openRate),
      },
      { label: "Click rate", value: formatRate(r.clickRate) },
      { label: "Click-to-open", value: formatRate(r.clickToOpenRate) },
      { label: "Unsubscribed", value: `${formatCount(f.unsubscribed)} (${formatRate(r.unsubscribeRate)})` },
      { label: "Complaints", value: `${formatCount(f.complained)} (${formatRate(r.complaintRate)})` },
    ])
    .section("Funnel")
    .bars([
      { label: "Audience", value: f.audience },
      { label: "Sent", value: f.sent },
      { label: "Delivered", value: f.delivered },
      ...(report.channel === "email"
        ? [{ label: "Opened", value: f.opened }]
        : [{ label: "Replied", value: f.replied }]),
      { label: "Clicked", value: f.clicked },
      { label: "Unsubscribed", value: f.unsubscribed },
    ])
    .table(
      [
        { header: "Fell out", width: 0.7 },
        { header: "Count", width: 0.3, align: "right" },
      ],
      [
        ["Blocked by the policy", formatCount(f.blocked)],
        ["Failed after hand-over", `${formatCount(f.failed)} (${formatRate(r.failureRate)})`],
        ["Not handed over yet", formatCount(f.queued)],
        ["Cancelled", formatCount(f.cancelled)],
        ["Opened by machines (counted apart)", formatCount(f.machineOpened)],
        ["Clicked by machines (counted apart)", formatCount(f.machineClicked)],
      ],
    )
    .section("Blocked by reason")
    .bars(
      Object.entries(f.blockedByReason)
        .sort(([, a], [, b]) => b - a)
        .map(([reason, count]) => ({ label: reason.replaceAll("_", " "), value: count })),
      "No recipient was blocked.",
    );

  if (report.abTest && report.abTest.variants.length > 0) {
    const ab = report.abTest;
    const sig = ab.significance;
    doc
      .section("A/B test")
      .note(
        [
          `Status: ${(ab.status ?? "draft").replaceAll("_", " ")}.`,
          ab.winner ? `Winner: ${ab.winner}.` : "No winner yet.",
          sig
            ? `${sig.test === "two_proportion_z" ? "Two-proportion z-test" : "Chi-square test"} on ${sig.metric}: ` +
              `p-value ${sig.pValue.toFixed(4)}, ${sig.significant ? "significant at 95%" : "not significant"}` +
              (sig.ci95
                ? ` (difference ${formatRate(sig.difference)}, 95% CI ${formatRate(sig.ci95[0])} to ${formatRate(sig.ci95[1])})`
                : "") +
              "."
            : "The test has not run yet.",
        ].join(" "),
      )
      .table(
        [
          { header: "Variant", width: 0.16 },
          { header: "Sent", width: 0.12, align: "right" },
          { header: "Delivered", width: 0.14, align: "right" },
          { header: "Opened", width: 0.16, align: "right" },
          { header: "Clicked", width: 0.16, align: "right" },
          { header: "Replied", width: 0.12, align: "right" },
          { header: "Unsubscribed", width: 0.14, align: "right" },
        ],
        ab.variants.map((v) => [
          `${v.key}${v.isWinner ? " (winner)" : v.isDefault ? " (default)" : ""}`,
          formatCount(v.sent),
          formatCount(v.delivered),
          `${formatCount(v.opened)} (${formatRate(v.rates.opened)})`,
          `${formatCount(v.clicked)} (${formatRate(v.rates.clicked)})`,
          formatCount(v.replied),
          formatCount(v.unsubscribed),
        ]),
      );
  }

  const active = report.hourly.filter((h) => h.opens > 0 || h.clicks > 0);
  const lastHour = active.length > 0 ? Math.max(...active.map((h) => h.hour)) : -1;
  doc
    .section("Opens and clicks per hour after the start")
    .bars(
      report.hourly
        .filter((h) => h.hour <= lastHour)
        .map((h) => ({ label: `Hour ${h.hour}`, value: h.opens + h.clicks, display: `${h.opens} / ${h.clicks}` })),
      "No opens or clicks yet.",
    )
    .note("Each bar: opens + clicks in that hour; the figures are opens / clicks.")
    .section("Top links")
    .table(
      [
        { header: "Link", width: 0.64 },
        { header: "Unique clicks", width: 0.18, align: "right" },
        { header: "Total clicks", width: 0.18, align: "right" },
      ],
      report.topLinks.map((l) => [l.url, formatCount(l.uniqueClicks), formatCount(l.totalClicks)]),
      "No tracked link was clicked.",
    );
  const date = ctx.now().toISOString().slice(0, 10);
  return { pdf: await doc.finish(), filename: `campaign-${fileSlug(report.name)}-report-${date}.pdf` };
}
