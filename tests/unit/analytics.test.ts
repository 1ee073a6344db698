import { describe, expect, it } from "vitest";
import {
  bestHour,
  daysInRange,
  eachDay,
  formatRate,
  formatSigned,
  parseDay,
  presetRange,
  rangeInstants,
  rate,
  resolveRange,
  shiftDay,
  todayIn,
} from "@/server/shared/analytics";

describe("analytics date ranges", () => {
  it("parses real calendar days only", () => {
    expect(parseDay("2026-02-28")).toEqual({ year: 2026, month: 2, day: 28 });
    expect(parseDay("2028-02-29")).toEqual({ year: 2028, month: 2, day: 29 });
    expect(parseDay("2026-02-29")).toBeNull();
    expect(parseDay("2026-13-01")).toBeNull();
    expect(parseDay("26-01-01")).toBeNull();
    expect(parseDay("2026-01-01T00:00")).toBeNull();
  });

  it("counts and lists days across months and leap years", () => {
    expect(shiftDay("2026-03-01", -1)).toBe("2026-02-28");
    expect(shiftDay("2028-02-28", 1)).toBe("2028-02-29");
    expect(daysInRange("2026-03-17", "2026-03-17")).toBe(1);
    expect(daysInRange("2025-12-31", "2026-01-02")).toBe(3);
    expect(eachDay("2026-02-27", "2026-03-02")).toEqual(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
  });

  it("defaults to the last 30 days ending today, and checks order and length", () => {
    expect(resolveRange({}, "2026-03-20")).toEqual({ ok: true, range: { from: "2026-02-19", to: "2026-03-20" } });
    expect(resolveRange({ to: "2026-01-30" }, "2026-03-20")).toEqual({
      ok: true,
      range: { from: "2026-01-01", to: "2026-01-30" },
    });
    expect(resolveRange({ from: "2026-03-01" }, "2026-03-20")).toEqual({
      ok: true,
      range: { from: "2026-03-01", to: "2026-03-20" },
    });
    expect(resolveRange({ from: "2026-03-10", to: "2026-03-01" }, "2026-03-20")).toMatchObject({
      ok: false,
      problem: { field: "from" },
    });
    // 366 days is the limit; 367 is refused.
    expect(resolveRange({ from: "2025-03-20", to: "2026-03-20" }, "2026-03-20").ok).toBe(true);
    expect(resolveRange({ from: "2025-03-19", to: "2026-03-20" }, "2026-03-20").ok).toBe(false);
    expect(resolveRange({ to: "2026-02-30" }, "2026-03-20")).toMatchObject({ ok: false, problem: { field: "to" } });
    expect(presetRange(7, "2026-03-20")).toEqual({ from: "2026-03-14", to: "2026-03-20" });
  });

  it("reads days in the workspace's zone, daylight saving included", () => {
    // New York moved to EDT on 2026-03-08: that day is 23 hours long.
    const { start, end } = rangeInstants({ from: "2026-03-08", to: "2026-03-08" }, "America/New_York");
    expect(start.toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(end.toISOString()).toBe("2026-03-09T04:00:00.000Z");
    expect(todayIn(new Date("2026-03-20T03:30:00Z"), "America/New_York")).toBe("2026-03-19");
    expect(todayIn(new Date("2026-03-20T03:30:00Z"), "UTC")).toBe("2026-03-20");
  });
});

describe("analytics rate maths", () => {
  it("divides, with no rate rather than 0 when there is nothing to divide by", () => {
    expect(rate(1, 4)).toBe(0.25);
    expect(rate(0, 4)).toBe(0);
    expect(rate(3, 0)).toBeNull();
    expect(rate(5, 4)).toBe(1);
    expect(rate(Number.NaN, 4)).toBeNull();
    expect(formatRate(0.1234)).toBe("12.3 %");
    expect(formatRate(0.00125, 2)).toBe("0.13 %");
    expect(formatRate(null)).toBe("—");
    expect(formatSigned(1200)).toBe("+1,200");
    expect(formatSigned(-3)).toBe("−3");
    expect(formatSigned(0)).toBe("0");
  });

  it("picks the best hour among hours with a big enough sample, ties to the larger sample", () => {
    const hours = [
      { hour: 8, delivered: 4, rate: 1 },
      { hour: 9, delivered: 20, rate: 0.5 },
      { hour: 10, delivered: 40, rate: 0.5 },
      { hour: 11, delivered: 0, rate: null },
    ];
    expect(bestHour(hours)).toBe(10);
    expect(bestHour(hours, 1)).toBe(8);
    expect(bestHour([{ hour: 3, delivered: 9, rate: 0.9 }])).toBeNull();
  });
});
