import { describe, expect, it } from "vitest";
import { reportRangeDays } from "@/server/services/reports/report-range";
import { upcomingSends } from "@/server/services/reports/schedule-rows";

/** The next sends of a report schedule and the days a scheduled dashboard report covers, against instants written out. */
describe("upcomingSends", () => {
  const weekly = { rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0", timezone: "Europe/Paris" };

  it("keeps 08:00 local across the spring DST change (UTC+1 → UTC+2)", () => {
    const now = new Date("2026-03-20T10:00:00Z");
    expect(upcomingSends(weekly, now, now, 3)).toEqual([
      new Date("2026-03-23T07:00:00Z"),
      new Date("2026-03-30T06:00:00Z"),
      new Date("2026-04-06T06:00:00Z"),
    ]);
  });

  it("moves strictly after the given instant (a send at 08:00 sharp is not repeated)", () => {
    const anchor = new Date("2026-03-20T10:00:00Z");
    const sentAt = new Date("2026-03-23T07:00:00Z");
    expect(upcomingSends(weekly, anchor, sentAt, 1)).toEqual([new Date("2026-03-30T06:00:00Z")]);
  });

  it("monthly on the 1st at 08:00 in New York, across the autumn change", () => {
    const monthly = { rrule: "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=8;BYMINUTE=0", timezone: "America/New_York" };
    const now = new Date("2026-10-15T12:00:00Z");
    expect(upcomingSends(monthly, now, now, 2)).toEqual([
      new Date("2026-11-01T13:00:00Z"),
      new Date("2026-12-01T13:00:00Z"),
    ]);
  });

  it("refuses an unknown zone or a bad rule naming the field", () => {
    const now = new Date("2026-03-20T10:00:00Z");
    expect(() => upcomingSends({ ...weekly, timezone: "Nowhere/City" }, now, now, 1)).toThrow(
      expect.objectContaining({ field: "timezone" }),
    );
    expect(() => upcomingSends({ ...weekly, rrule: "FREQ=NEVER" }, now, now, 1)).toThrow(
      expect.objectContaining({ field: "rrule" }),
    );
  });

  it("ends with the rule (COUNT spent)", () => {
    const now = new Date("2026-03-20T10:00:00Z");
    expect(upcomingSends({ ...weekly, rrule: `${weekly.rrule};COUNT=2` }, now, now, 5)).toHaveLength(2);
  });
});

describe("reportRangeDays", () => {
  it("the last 7 and 30 days end yesterday in the zone", () => {
    // 23:30 on 31 March in UTC is already 1 April in Paris.
    const at = new Date("2026-03-31T23:30:00Z");
    expect(reportRangeDays("last_7_days", at, "Europe/Paris")).toEqual({ from: "2026-03-25", to: "2026-03-31" });
    expect(reportRangeDays("last_30_days", at, "Europe/Paris")).toEqual({ from: "2026-03-02", to: "2026-03-31" });
  });

  it("the previous calendar month, including across a year", () => {
    expect(reportRangeDays("previous_month", new Date("2026-03-01T08:00:00Z"), "UTC")).toEqual({
      from: "2026-02-01",
      to: "2026-02-28",
    });
    expect(reportRangeDays("previous_month", new Date("2026-01-01T07:00:00Z"), "Europe/Paris")).toEqual({
      from: "2025-12-01",
      to: "2025-12-31",
    });
  });
});
