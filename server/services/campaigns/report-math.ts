import { invalid } from "@/server/lib/errors";
import {
  COMPARE_MAX,
  COMPARE_MIN,
  REPORT_HOURS,
  type TReportFunnel,
  type TReportHour,
  type TReportRates,
} from "./schemas";

/** part ÷ whole, capped at 1; null when the whole is zero (no rate yet, not 0 %). */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? Math.min(1, part / whole) : null;
}

/** The funnel's rates: engagement over delivered, click-to-open over opened, failures over sent. */
export function reportRates(f: TReportFunnel): TReportRates {
  return {
    openRate: ratio(f.opened, f.delivered),
    clickRate: ratio(f.clicked, f.delivered),
    clickToOpenRate: ratio(f.clicked, f.opened),
    replyRate: ratio(f.replied, f.delivered),
    unsubscribeRate: ratio(f.unsubscribed, f.delivered),
    complaintRate: ratio(f.complained, f.delivered),
    failureRate: ratio(f.failed, f.sent),
  };
}

/** Hours 0 … REPORT_HOURS-1, each listed once (zero where nothing happened), from sparse rows. */
export function fillHours(rows: readonly { kind: string; hour: number; n: number }[]): TReportHour[] {
  const hours: TReportHour[] = Array.from({ length: REPORT_HOURS }, (_, hour) => ({ hour, opens: 0, clicks: 0 }));
  for (const row of rows) {
    const slot = hours[row.hour];
    if (!slot) continue;
    if (row.kind === "open") slot.opens += row.n;
    else if (row.kind === "click") slot.clicks += row.n;
  }
  return hours;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ids of `a,b,c` (trimmed, lower-cased, in order): COMPARE_MIN–COMPARE_MAX distinct uuids, else INVALID. */
export function parseCompareIds(ids: string): string[] {
  const list = ids
    .split(",")
    .map((id) => id.trim().toLowerCase())
    .filter(Boolean);
  const bad = list.find((id) => !UUID.test(id));
  if (bad !== undefined) throw invalid("Each id must be a campaign id", "ids");
  if (new Set(list).size !== list.length) throw invalid("Name each campaign once", "ids");
  if (list.length < COMPARE_MIN || list.length > COMPARE_MAX)
    throw invalid(`Compare ${COMPARE_MIN} to ${COMPARE_MAX} campaigns`, "ids");
  return list;
}

/** The funnel as CSV rows (`stage,count,rate`): the stages the chart shows, then blocked reasons. */
export function funnelCsvRows(f: TReportFunnel, rates: TReportRates): (string | number | null)[][] {
  const pct = (r: number | null) => (r === null ? null : r.toFixed(4));
  return [
    ["audience", f.audience, null],
    ["sent", f.sent, null],
    ["delivered", f.delivered, null],
    ["opened", f.opened, pct(rates.openRate)],
    ["clicked", f.clicked, pct(rates.clickRate)],
    ["replied", f.replied, pct(rates.replyRate)],
    ["machine_opened", f.machineOpened, null],
    ["machine_clicked", f.machineClicked, null],
    ["blocked", f.blocked, null],
    ...Object.entries(f.blockedByReason)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, n]) => [`blocked:${reason}`, n, null]),
    ["failed", f.failed, pct(rates.failureRate)],
    ["queued", f.queued, null],
    ["cancelled", f.cancelled, null],
    ["unsubscribed", f.unsubscribed, pct(rates.unsubscribeRate)],
    ["complained", f.complained, pct(rates.complaintRate)],
  ];
}
