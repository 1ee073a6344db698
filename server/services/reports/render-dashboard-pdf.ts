import { getBestSendHour } from "../analytics/get-best-send-hour";
import { getConsentTrend } from "../analytics/get-consent-trend";
import { getDeliveryStats } from "../analytics/get-delivery-stats";
import { getTopForms } from "../analytics/get-top-forms";
import type { TAnalyticsInput } from "../analytics/schemas";
import type { ServiceContext } from "../context";
import { fileSlug, formatCount, formatRate, ReportPdf } from "./pdf-layout";
import { workspaceNameOf } from "./workspace-name";

export interface RenderedPdf {
  pdf: Buffer;
  filename: string;
}

const hourLabel = (hour: number) => `${String(hour).padStart(2, "0")}:00`;

/**
 * The analytics dashboard as a PDF for the same filters (range, topic, channel): the numbers come
 * from the dashboard's own services (delivery stats, consent trend, best send hour, top forms),
 * so the PDF and the page always agree. Bad filters are INVALID (400), an unknown topic NOT_FOUND.
 */
export async function renderDashboardPdf({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TAnalyticsInput;
}): Promise<RenderedPdf> {
  const delivery = await getDeliveryStats({ ctx, input });
  const [trend, hours, forms, workspaceName] = await Promise.all([
    getConsentTrend({ ctx, input }),
    getBestSendHour({ ctx, input }),
    getTopForms({ ctx, input }),
    workspaceNameOf(ctx),
  ]);
  const { range } = delivery;
  const filters = [range.topic ? `Topic: ${range.topic}` : null, range.channel ? `Channel: ${range.channel}` : null]
    .filter(Boolean)
    .join("  |  ");
  const t = delivery.totals;
  const pdf = new ReportPdf({ title: "Analytics report", author: workspaceName })
    .header({
      title: "Analytics report",
      workspaceName,
      subtitle: `${range.from} to ${range.to} (days in ${range.timezone})`,
      filters: filters || "All topics and channels",
      generatedAt: ctx.now(),
      timezone: range.timezone,
    })
    .section("Delivery")
    .figures([
      { label: "Sent", value: formatCount(t.sent) },
      { label: "Delivered", value: formatCount(t.delivered) },
      { label: "Delivery rate", value: formatRate(t.deliveryRate) },
      { label: "Blocked", value: formatCount(t.blocked) },
      { label: "Bounced", value: formatCount(t.bounced) },
      { label: "Bounce rate", value: formatRate(t.bounceRate) },
      { label: "Complaints", value: formatCount(t.complained) },
      { label: "Complaint rate", value: formatRate(t.complaintRate) },
    ])
    .section("Messages sent per day")
    .bars(delivery.days.map((d) => ({ label: d.day, value: d.sent })))
    .table(
      [
        { header: "Day", width: 0.22 },
        { header: "Sent", width: 0.13, align: "right" },
        { header: "Delivered", width: 0.13, align: "right" },
        { header: "Bounced", width: 0.13, align: "right" },
        { header: "Failed", width: 0.13, align: "right" },
        { header: "Complained", width: 0.13, align: "right" },
        { header: "Blocked", width: 0.13, align: "right" },
      ],
      delivery.days.map((d) => [
        d.day,
        formatCount(d.sent),
        formatCount(d.delivered),
        formatCount(d.bounced),
        formatCount(d.failed),
        formatCount(d.complained),
        formatCount(d.blocked),
      ]),
    )
    .section("Blocked sends by reason")
    .bars(
      delivery.blockedByReason.map((r) => ({ label: r.reason.replaceAll("_", " "), value: r.count })),
      "No sends were blocked in this range.",
    )
    .section("Consent trend")
    .figures([
      { label: "Opt-ins", value: formatCount(trend.totals.optIns) },
      { label: "Opt-outs", value: formatCount(trend.totals.optOuts) },
      { label: "Net growth", value: formatCount(trend.totals.net) },
      { label: "Audience at end", value: formatCount(trend.totals.audience) },
    ])
    .table(
      [
        { header: "Channel", width: 0.14 },
        { header: "Topic", width: 0.3 },
        { header: "Opt-ins", width: 0.14, align: "right" },
        { header: "Opt-outs", width: 0.14, align: "right" },
        { header: "Net", width: 0.14, align: "right" },
        { header: "Audience", width: 0.14, align: "right" },
      ],
      trend.series.map((s) => [
        s.channel,
        s.topicName,
        formatCount(s.optIns),
        formatCount(s.optOuts),
        formatCount(s.net),
        formatCount(s.audience),
      ]),
      "No consented audience yet.",
    )
    .section("Best send hour (recipient's local time)")
    .note(
      `Best hour by opens: ${hours.best.byOpens === null ? "not enough data" : hourLabel(hours.best.byOpens)}.  ` +
        `By clicks: ${hours.best.byClicks === null ? "not enough data" : hourLabel(hours.best.byClicks)}.  ` +
        `An hour needs ${hours.minSample} delivered messages to be a candidate.`,
    )
    .bars(
      hours.hours.map((h) => ({
        label: hourLabel(h.hour),
        value: h.openRate ?? 0,
        display: `${formatRate(h.openRate)} of ${formatCount(h.delivered)}`,
      })),
    )
    .section("Top forms by opt-ins")
    .table(
      [
        { header: "Form", width: 0.6 },
        { header: "Opt-ins", width: 0.2, align: "right" },
        { header: "Contacts", width: 0.2, align: "right" },
      ],
      forms.forms.map((f) => [f.name, formatCount(f.optIns), formatCount(f.contacts)]),
      "No opt-ins through forms in this range.",
    )
    .finish();
  return { pdf: await pdf, filename: `analytics-${fileSlug(workspaceName)}-${range.from}-to-${range.to}.pdf` };
}
