import { describe, expect, it } from "vitest";
import { fillHours, funnelCsvRows, parseCompareIds, ratio, reportRates } from "@/server/services/campaigns/report-math";
import type { TReportFunnel } from "@/server/services/campaigns/schemas";

const A = "11111111-1111-4111-8111-111111111111";
const B = "22222222-2222-4222-8222-222222222222";

const funnel: TReportFunnel = {
  audience: 10,
  sent: 8,
  delivered: 6,
  opened: 3,
  machineOpened: 1,
  clicked: 2,
  machineClicked: 0,
  replied: 0,
  blocked: 2,
  blockedByReason: { opted_out: 1, no_consent: 1 },
  failed: 2,
  queued: 0,
  cancelled: 0,
  unsubscribed: 1,
  complained: 0,
  totalOpens: 5,
  totalClicks: 2,
};

describe("campaign report helpers", () => {
  it("ratio is null without a base and never above 1", () => {
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(0, 4)).toBe(0);
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(5, 4)).toBe(1);
  });

  it("rates: engagement over delivered, click-to-open over opened, failures over sent", () => {
    expect(reportRates(funnel)).toEqual({
      openRate: 0.5,
      clickRate: 2 / 6,
      clickToOpenRate: 2 / 3,
      replyRate: 0,
      unsubscribeRate: 1 / 6,
      complaintRate: 0,
      failureRate: 0.25,
    });
    expect(reportRates({ ...funnel, delivered: 0, opened: 0, sent: 0 })).toMatchObject({
      openRate: null,
      clickToOpenRate: null,
      failureRate: null,
    });
  });

  it("fillHours lists hours 0–71 once each, adds sparse rows and drops hours outside", () => {
    const hours = fillHours([
      { kind: "open", hour: 0, n: 2 },
      { kind: "click", hour: 0, n: 1 },
      { kind: "open", hour: 71, n: 3 },
      { kind: "open", hour: 72, n: 9 },
      { kind: "open", hour: -1, n: 9 },
    ]);
    expect(hours).toHaveLength(72);
    expect(hours[0]).toEqual({ hour: 0, opens: 2, clicks: 1 });
    expect(hours[71]).toEqual({ hour: 71, opens: 3, clicks: 0 });
    expect(hours.reduce((n, h) => n + h.opens, 0)).toBe(5);
  });

  it("parseCompareIds takes 2–5 distinct ids, trimmed and in order", () => {
    expect(parseCompareIds(` ${B} ,${A.toUpperCase()}`)).toEqual([B, A]);
    expect(() => parseCompareIds(A)).toThrow(/2 to 5/);
    expect(() => parseCompareIds(`${A},${A}`)).toThrow(/once/);
    expect(() => parseCompareIds(`${A},x`)).toThrow(/campaign id/);
    const six = Array.from({ length: 6 }, (_, i) => `${i}${A.slice(1)}`).join(",");
    expect(() => parseCompareIds(six)).toThrow(/2 to 5/);
  });

  it("funnel CSV rows carry the stages, blocked reasons sorted, rates to four places", () => {
    const rows = funnelCsvRows(funnel, reportRates(funnel));
    expect(rows[0]).toEqual(["audience", 10, null]);
    expect(rows).toContainEqual(["opened", 3, "0.5000"]);
    const reasons = rows.filter((r) => String(r[0]).startsWith("blocked:")).map((r) => r[0]);
    expect(reasons).toEqual(["blocked:no_consent", "blocked:opted_out"]);
  });
});
