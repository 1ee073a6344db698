import { describe, expect, it } from "vitest";
import { knownAreaCodes, lookupAreaCode, nanpAreaCode } from "@/server/lib/nanp-area-codes";
import { addDays, fromLocal, isValidTimeZone, toLocal } from "@/server/shared/local-time";
import { countryTimeZone, resolveRecipientTimezone } from "@/server/services/policy/recipient-timezone";
import { listStateRules, stateRuleFor } from "@/server/shared/state-rules";

const resolve = (phone: string | null, contactTimezone: string | null = null, workspaceTimezone = "America/New_York") =>
  resolveRecipientTimezone({ phone, contactTimezone, workspaceTimezone });

describe("NANP area codes", () => {
  it("map codes to their state and majority zone", () => {
    expect(lookupAreaCode("305")).toEqual({ country: "US", region: "FL", timezone: "America/New_York" });
    expect(lookupAreaCode("850")).toEqual({ country: "US", region: "FL", timezone: "America/Chicago" }); // panhandle
    expect(lookupAreaCode("212")).toMatchObject({ region: "NY", timezone: "America/New_York" });
    expect(lookupAreaCode("915")).toMatchObject({ region: "TX", timezone: "America/Denver" }); // El Paso
    expect(lookupAreaCode("602")).toMatchObject({ region: "AZ", timezone: "America/Phoenix" });
    expect(lookupAreaCode("808")).toMatchObject({ region: "HI", timezone: "Pacific/Honolulu" });
    expect(lookupAreaCode("416")).toEqual({ country: "CA", region: "ON", timezone: "America/Toronto" });
    expect(lookupAreaCode("787")).toEqual({ country: "PR", region: "PR", timezone: "America/Puerto_Rico" });
  });

  it("leave non-geographic codes unmapped", () => {
    for (const code of ["800", "833", "844", "855", "866", "877", "888", "900", "500"])
      expect(lookupAreaCode(code)).toBeNull();
  });

  it("list every code once, each with a zone Intl knows", () => {
    const codes = knownAreaCodes();
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.length).toBeGreaterThan(380);
    for (const code of codes) {
      expect(code).toMatch(/^[2-9]\d{2}$/);
      expect(isValidTimeZone(lookupAreaCode(code)!.timezone)).toBe(true);
    }
  });

  it("read the area code of a +1 E.164 number only", () => {
    expect(nanpAreaCode("+13055550100")).toBe("305");
    expect(nanpAreaCode("+442079460958")).toBeNull();
    expect(nanpAreaCode("+1305555010")).toBeNull();
  });
});

describe("resolveRecipientTimezone", () => {
  it("prefers a valid contact zone, but still reports the number's state", () => {
    expect(resolve("+13055550100", "Europe/Paris")).toEqual({
      timezone: "Europe/Paris",
      source: "contact",
      country: "US",
      region: "FL",
      areaCode: "305",
    });
  });

  it("accepts zone aliases Intl knows and ignores unknown ones", () => {
    expect(resolve(null, "Asia/Kolkata").timezone).toBe("Asia/Kolkata");
    expect(resolve(null, "Not/A_Zone")).toMatchObject({ timezone: "America/New_York", source: "workspace" });
  });

  it("infers from the area code of a US or Canadian number", () => {
    expect(resolve("+13125550100")).toMatchObject({ timezone: "America/Chicago", source: "area_code", region: "IL" });
    expect(resolve("+16045550100")).toMatchObject({
      timezone: "America/Vancouver",
      source: "area_code",
      country: "CA",
      region: "BC",
    });
  });

  it("infers from the country of other numbers, Caribbean +1 numbers included", () => {
    expect(resolve("+442079460958")).toMatchObject({
      timezone: "Europe/London",
      source: "country",
      country: "GB",
      region: null,
    });
    expect(resolve("+33612345678")).toMatchObject({ timezone: "Europe/Paris", source: "country", country: "FR" });
    expect(resolve("+61412345678")).toMatchObject({ timezone: "Australia/Sydney", source: "country", country: "AU" });
    expect(resolve("+18765550100")).toMatchObject({ timezone: "America/Jamaica", source: "country", country: "JM" });
  });

  it("falls back to the workspace zone for toll-free numbers, unparseable numbers, countries it does not know and no phone", () => {
    expect(resolve("+18005550199", null, "America/Denver")).toMatchObject({
      timezone: "America/Denver",
      source: "workspace",
      areaCode: "800",
    });
    expect(resolve("+999123", null, "Europe/Berlin")).toMatchObject({ timezone: "Europe/Berlin", source: "workspace" });
    expect(resolve(null, null, "Asia/Tokyo")).toMatchObject({
      timezone: "Asia/Tokyo",
      source: "workspace",
      country: null,
    });
  });

  it("country zones are all valid", () => {
    for (const country of ["GB", "FR", "DE", "IN", "BR", "MX", "AU", "UA", "ZA", "JP"])
      expect(countryTimeZone(country)).not.toBeNull();
    expect(countryTimeZone("ZZ")).toBeNull();
    expect(countryTimeZone(null)).toBeNull();
  });
});

describe("local time", () => {
  it("reads the wall clock in a zone", () => {
    expect(toLocal(new Date("2026-12-04T01:30:00Z"), "America/New_York")).toEqual({
      year: 2026,
      month: 12,
      day: 3,
      hour: 20,
      minute: 30,
      weekday: 4,
    });
    expect(toLocal(new Date("2026-07-01T00:00:00Z"), "Asia/Kolkata")).toMatchObject({ hour: 5, minute: 30 });
  });

  it("converts a wall time to an instant on both sides of DST", () => {
    expect(fromLocal({ year: 2026, month: 3, day: 7 }, { hour: 8, minute: 0 }, "America/New_York")).toEqual(
      new Date("2026-03-07T13:00:00Z"),
    );
    expect(fromLocal({ year: 2026, month: 3, day: 8 }, { hour: 8, minute: 0 }, "America/New_York")).toEqual(
      new Date("2026-03-08T12:00:00Z"),
    );
    expect(fromLocal({ year: 2026, month: 3, day: 29 }, { hour: 8, minute: 0 }, "Europe/London")).toEqual(
      new Date("2026-03-29T07:00:00Z"),
    );
  });

  it("a skipped wall time moves later by the gap; a repeated one takes its first occurrence", () => {
    // 02:30 does not exist in New York on 2026-03-08 (02:00 → 03:00).
    expect(fromLocal({ year: 2026, month: 3, day: 8 }, { hour: 2, minute: 30 }, "America/New_York")).toEqual(
      new Date("2026-03-08T07:30:00Z"),
    );
    // 01:30 happens twice on 2026-11-01: first in EDT (05:30 UTC), then in EST.
    expect(fromLocal({ year: 2026, month: 11, day: 1 }, { hour: 1, minute: 30 }, "America/New_York")).toEqual(
      new Date("2026-11-01T05:30:00Z"),
    );
  });

  it("adds calendar days across month and year ends", () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1, weekday: 5 });
    expect(addDays({ year: 2028, month: 2, day: 28 }, 1)).toMatchObject({ month: 2, day: 29 });
  });
});

describe("state rules", () => {
  it("Florida, Oklahoma and Maryland limit marketing texts to 3 per topic per 24 h", () => {
    for (const state of ["FL", "OK", "MD"]) expect(stateRuleFor(state)?.maxPerTopicPer24h).toBe(3);
    expect(stateRuleFor("NY")).toBeNull();
    expect(stateRuleFor(null)).toBeNull();
  });

  it("every rule has seven days, each inside the federal 08:00–21:00 window", () => {
    for (const rule of listStateRules()) {
      expect(rule.windows).toHaveLength(7);
      for (const window of rule.windows) {
        if (!window) continue;
        expect(window.start).toBeGreaterThanOrEqual(8 * 60);
        expect(window.end).toBeLessThanOrEqual(21 * 60);
        expect(window.start).toBeLessThan(window.end);
      }
    }
  });
});
