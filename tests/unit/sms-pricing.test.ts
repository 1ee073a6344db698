import { describe, expect, it } from "vitest";
import {
  DEFAULT_SMS_SEGMENT_PRICE,
  estimateSmsCost,
  isKnownCountry,
  priceFor,
  readSmsPricing,
  SMS_PRICE_COUNTRIES,
  TYPICAL_SMS_PRICES,
  countryName,
  ZSmsPricing,
} from "@/server/shared/sms-pricing";

const pricing = { segmentPrice: 0.01, countryPrices: { US: 0.0079, GB: 0.0524 } };

describe("SMS prices: validation", () => {
  it("accepts prices from 0 to 10 with up to 5 decimals, for known country codes", () => {
    const parsed = ZSmsPricing.parse({ segmentPrice: 0, countryPrices: { US: 0.00791, GB: 10, FR: 0 } });
    expect(parsed).toEqual({ segmentPrice: 0, countryPrices: { US: 0.00791, GB: 10, FR: 0 } });
    expect(ZSmsPricing.parse({})).toEqual({ segmentPrice: DEFAULT_SMS_SEGMENT_PRICE, countryPrices: {} });
  });

  it("refuses negative, too high, too precise prices and unknown or lower-case codes, with their path", () => {
    const issues = (value: unknown) =>
      ZSmsPricing.safeParse(value).error?.issues.map((issue) => [issue.path.join("."), issue.message]) ?? [];
    expect(issues({ segmentPrice: -0.01 })).toEqual([["segmentPrice", "The price cannot be negative"]]);
    expect(issues({ segmentPrice: 10.00001 })).toEqual([["segmentPrice", "At most 10 USD per segment"]]);
    expect(issues({ segmentPrice: 0.000001 })).toEqual([["segmentPrice", "Use at most 5 decimals"]]);
    expect(issues({ countryPrices: { XX: 0.01 } })).toEqual([["countryPrices.XX", 'Unknown country code "XX"']]);
    expect(issues({ countryPrices: { us: 0.01 } })).toEqual([["countryPrices.us", 'Unknown country code "us"']]);
    expect(issues({ countryPrices: { DE: 11 } })).toEqual([["countryPrices.DE", "At most 10 USD per segment"]]);
  });

  it("knows the countries libphonenumber numbers, and the typical prices are all for known countries", () => {
    expect(SMS_PRICE_COUNTRIES.length).toBeGreaterThan(200);
    expect(isKnownCountry("US")).toBe(true);
    expect(isKnownCountry("ZZ")).toBe(false);
    for (const [code, price] of Object.entries(TYPICAL_SMS_PRICES)) {
      expect(isKnownCountry(code)).toBe(true);
      expect(ZSmsPricing.shape.segmentPrice.safeParse(price).success).toBe(true);
    }
  });
});

describe("SMS prices: reading settings", () => {
  it("reads stored prices, and falls back to the default without breaking on bad entries", () => {
    expect(readSmsPricing({})).toEqual({ segmentPrice: DEFAULT_SMS_SEGMENT_PRICE, countryPrices: {} });
    expect(readSmsPricing({ sms: { segmentPrice: 0.02 } })).toEqual({ segmentPrice: 0.02, countryPrices: {} });
    expect(
      readSmsPricing({ sms: { segmentPrice: "cheap", countryPrices: { US: 0.008, GB: -1, XX: 0.1, CA: "x" } } }),
    ).toEqual({ segmentPrice: DEFAULT_SMS_SEGMENT_PRICE, countryPrices: { US: 0.008 } });
    expect(readSmsPricing(null)).toEqual({ segmentPrice: DEFAULT_SMS_SEGMENT_PRICE, countryPrices: {} });
  });

  it("prices a country by its own price, else the default; an unknown country takes the default", () => {
    expect(priceFor(pricing, "GB")).toEqual({ price: 0.0524, isDefault: false });
    expect(priceFor(pricing, "FR")).toEqual({ price: 0.01, isDefault: true });
    expect(priceFor(pricing, null)).toEqual({ price: 0.01, isDefault: true });
    expect(priceFor(pricing, "constructor")).toEqual({ price: 0.01, isDefault: true });
  });
});

describe("SMS cost", () => {
  it("costs each country at its price, the rest at the default, costliest first", () => {
    const estimate = estimateSmsCost(
      pricing,
      [
        { country: "US", recipients: 3 },
        { country: "GB", recipients: 2 },
        { country: null, recipients: 1 },
        { country: "FR", recipients: 1 },
      ],
      2,
    );
    // US 6 × 0.0079 = 0.0474; GB 4 × 0.0524 = 0.2096; unknown 2 × 0.01; FR 2 × 0.01.
    expect(estimate).toEqual({
      amount: 0.297,
      currency: "USD",
      defaultPriced: 2,
      byCountry: [
        { country: "GB", recipients: 2, segments: 4, price: 0.0524, defaultPrice: false, cost: 0.2096 },
        { country: "US", recipients: 3, segments: 6, price: 0.0079, defaultPrice: false, cost: 0.0474 },
        { country: "FR", recipients: 1, segments: 2, price: 0.01, defaultPrice: true, cost: 0.02 },
        { country: null, recipients: 1, segments: 2, price: 0.01, defaultPrice: true, cost: 0.02 },
      ],
    });
  });

  it("rounds the total once at the end, not per message or per country", () => {
    // 0.00005 a segment: one segment rounds to 0.0001 on its own, but 3 countries × 1 segment is 0.00015 → 0.0002.
    const cheap = { segmentPrice: 0.00005, countryPrices: {} };
    const estimate = estimateSmsCost(
      cheap,
      [
        { country: "US", recipients: 1 },
        { country: "GB", recipients: 1 },
        { country: "DE", recipients: 1 },
      ],
      1,
    );
    expect(estimate.amount).toBe(0.0002);
    expect(estimate.byCountry.map((row) => row.cost)).toEqual([0.0001, 0.0001, 0.0001]);
    // A million segments at 0.00001 is exactly 10 USD (no floating-point drift).
    expect(
      estimateSmsCost({ segmentPrice: 0.00001, countryPrices: {} }, [{ country: "US", recipients: 1_000_000 }], 1)
        .amount,
    ).toBe(10);
    expect(estimateSmsCost(pricing, [{ country: "US", recipients: 3 }], 1).amount).toBe(0.0237);
  });

  it("adds groups of the same country, leaves out empty ones, and costs nothing for no recipients", () => {
    const estimate = estimateSmsCost(
      pricing,
      [
        { country: "US", recipients: 1 },
        { country: "US", recipients: 2 },
        { country: "GB", recipients: 0 },
      ],
      1,
    );
    expect(estimate.byCountry).toEqual([
      { country: "US", recipients: 3, segments: 3, price: 0.0079, defaultPrice: false, cost: 0.0237 },
    ]);
    expect(estimateSmsCost(pricing, [], 3)).toEqual({ amount: 0, currency: "USD", byCountry: [], defaultPriced: 0 });
  });
});

describe("country names", () => {
  it("names countries in English, and falls back to the code", () => {
    expect(countryName("GB")).toBe("United Kingdom");
    expect(countryName("US")).toBe("United States");
    expect(countryName("not a code")).toBe("not a code");
  });
});
