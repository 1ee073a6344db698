import { invalid } from "@/server/lib/errors";
import { ANALYTICS_SECTIONS, type AnalyticsSection } from "@/server/shared/analytics";
import type { ServiceContext } from "../context";
import { csvLine } from "../imports/csv-values";
import { getBestSendHour } from "./get-best-send-hour";
import { getConsentTrend } from "./get-consent-trend";
import { getDeliveryStats } from "./get-delivery-stats";
import { getTopForms } from "./get-top-forms";
import type { TAnalyticsInput } from "./schemas";

const ratio = (value: number | null) => (value === null ? "" : value.toFixed(4));

/**
 * One dashboard section as CSV (header row first, RFC 4180, formula-escaped), the same numbers as
 * its chart and table: `delivery` (per day), `blocked` (per reason), `consent-trend` (per day),
 * `best-hour` (per local hour), `top-forms`. An unknown section is INVALID.
 */
export async function exportAnalyticsCsv({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TAnalyticsInput & { section: string };
}): Promise<string> {
  const { section, ...filters } = input;
  if (!(ANALYTICS_SECTIONS as readonly string[]).includes(section)) throw invalid("Unknown section", "section");
  switch (section as AnalyticsSection) {
    case "delivery": {
      const stats = await getDeliveryStats({ ctx, input: filters });
      return (
        csvLine(["day", "sent", "delivered", "bounced", "failed", "complained", "blocked"]) +
        stats.days
          .map((d) => csvLine([d.day, d.sent, d.delivered, d.bounced, d.failed, d.complained, d.blocked]))
          .join("")
      );
    }
    case "blocked": {
      const stats = await getDeliveryStats({ ctx, input: filters });
      return csvLine(["reason", "count"]) + stats.blockedByReason.map((r) => csvLine([r.reason, r.count])).join("");
    }
    case "consent-trend": {
      const trend = await getConsentTrend({ ctx, input: filters });
      return (
        csvLine(["day", "opt_ins", "opt_outs", "net", "audience"]) +
        trend.days.map((d) => csvLine([d.day, d.optIns, d.optOuts, d.net, d.audience])).join("")
      );
    }
    case "best-hour": {
      const hours = await getBestSendHour({ ctx, input: filters });
      return (
        csvLine(["hour", "delivered", "opened", "clicked", "open_rate", "click_rate"]) +
        hours.hours
          .map((h) => csvLine([h.hour, h.delivered, h.opened, h.clicked, ratio(h.openRate), ratio(h.clickRate)]))
          .join("")
      );
    }
    case "top-forms": {
      const top = await getTopForms({ ctx, input: filters });
      return (
        csvLine(["form_id", "name", "opt_ins", "contacts"]) +
        top.forms.map((f) => csvLine([f.formId, f.name, f.optIns, f.contacts])).join("")
      );
    }
  }
}
