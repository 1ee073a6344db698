import { getCountries } from "libphonenumber-js/min";
import { z } from "zod";

/**
 * SMS prices per segment, stored in `workspaces.settings.sms`: a default price (`segmentPrice`)
 * and prices per destination country (`countryPrices`, ISO 3166-1 alpha-2 → USD per segment),
 * and the one cost function the campaign dry run and a run's audience freeze share.
 *
 * Money is counted in whole 1/100,000 USD (a price has at most 5 decimals), so sums are exact
 * integers; the cost is rounded to 4 decimals once, at the end (never per message).
 */

/** Price of one SMS segment when the workspace sets none (USD). */
export const DEFAULT_SMS_SEGMENT_PRICE = 0.0079;
/** Highest price per segment accepted (USD). */
export const MAX_SEGMENT_PRICE = 10;
/** Decimals a price may have. */
export const PRICE_DECIMALS = 5;

const PRICE_UNITS = 10 ** PRICE_DECIMALS;

/** Every country code libphonenumber knows (ISO 3166-1 alpha-2, plus a few territories it numbers). */
export const SMS_PRICE_COUNTRIES: readonly string[] = getCountries();
const KNOWN_COUNTRIES = new Set<string>(SMS_PRICE_COUNTRIES);

export function isKnownCountry(code: string): boolean {
  return KNOWN_COUNTRIES.has(code);
}

let regionNames: Intl.DisplayNames | null | undefined;

/** A country's English name ("United Kingdom"), or its code when the runtime has no name for it. */
export function countryName(code: string): string {
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(["en"], { type: "region", fallback: "code" });
    } catch {
      regionNames = null;
    }
  }
  try {
    return regionNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

export interface SmsPricing {
  /** USD per segment for countries without a price of their own and numbers of unknown country. */
  segmentPrice: number;
  /** USD per segment by destination country (ISO 3166-1 alpha-2, upper case). */
  countryPrices: Record<string, number>;
}

/** Whether a price has at most 5 decimals. */
function hasPriceDecimals(value: number): boolean {
  return Number(value.toFixed(PRICE_DECIMALS)) === value;
}

export const ZSegmentPrice = z
  .number({ error: "Enter a price" })
  .min(0, "The price cannot be negative")
  .max(MAX_SEGMENT_PRICE, `At most ${MAX_SEGMENT_PRICE} USD per segment`)
  .refine(hasPriceDecimals, `Use at most ${PRICE_DECIMALS} decimals`);

export const ZCountryPrices = z.record(z.string(), ZSegmentPrice).superRefine((prices, context) => {
  for (const code of Object.keys(prices)) {
    if (!isKnownCountry(code)) {
      context.addIssue({ code: "custom", path: [code], message: `Unknown country code "${code.slice(0, 8)}"` });
    }
  }
});

export const ZSmsPricing = z.object({
  segmentPrice: ZSegmentPrice.default(DEFAULT_SMS_SEGMENT_PRICE).describe(
    "Default USD price per segment: countries without a price of their own and numbers whose country is unknown",
  ),
  countryPrices: ZCountryPrices.default({}).describe(
    "USD price per segment by destination country (ISO 3166-1 alpha-2 code → price; 0–10, up to 5 decimals)",
  ),
}) satisfies z.ZodType<SmsPricing, unknown>;
export type TSmsPricing = z.infer<typeof ZSmsPricing>;

/**
 * Typical list prices per outbound segment (USD), close to a large provider's published rates:
 * estimates for the settings form's "Add typical prices", to be edited to the workspace's own.
 */
export const TYPICAL_SMS_PRICES: Readonly<Record<string, number>> = {
  US: 0.0083,
  CA: 0.0083,
  GB: 0.0524,
  DE: 0.0946,
  FR: 0.0893,
  ES: 0.0866,
  IT: 0.0926,
  NL: 0.1012,
  IE: 0.0842,
  AU: 0.0515,
  NZ: 0.1111,
  IN: 0.0832,
  BR: 0.0365,
  MX: 0.0489,
};

/**
 * The workspace's SMS prices from its `settings` JSON. Never throws: a missing or invalid default
 * price is the default (0.0079), and a country entry that does not validate is left out (its
 * recipients are priced with the default), so one bad entry cannot stop an estimate.
 */
export function readSmsPricing(workspaceSettings: unknown): SmsPricing {
  const root = isRecord(workspaceSettings) ? workspaceSettings : {};
  const sms = isRecord(root.sms) ? root.sms : {};
  const price = ZSegmentPrice.safeParse(sms.segmentPrice);
  const countryPrices: Record<string, number> = {};
  if (isRecord(sms.countryPrices)) {
    for (const [code, value] of Object.entries(sms.countryPrices)) {
      const parsed = ZSegmentPrice.safeParse(value);
      if (parsed.success && isKnownCountry(code)) countryPrices[code] = parsed.data;
    }
  }
  return { segmentPrice: price.success ? price.data : DEFAULT_SMS_SEGMENT_PRICE, countryPrices };
}

/** The price per segment of a destination country (null: unknown), and whether it is the default. */
export function priceFor(pricing: SmsPricing, country: string | null): { price: number; isDefault: boolean } {
  if (country !== null && Object.hasOwn(pricing.countryPrices, country)) {
    return { price: pricing.countryPrices[country]!, isDefault: false };
  }
  return { price: pricing.segmentPrice, isDefault: true };
}

/** Recipients of one destination country (null: unknown). */
export interface CountryRecipients {
  country: string | null;
  recipients: number;
}

export interface CountryCost {
  /** ISO 3166-1 alpha-2, or null for numbers whose country is unknown. */
  country: string | null;
  recipients: number;
  segments: number;
  /** USD per segment used for this country. */
  price: number;
  /** True when `price` is the default (no price set for the country, or country unknown). */
  defaultPrice: boolean;
  /** segments × price, rounded to 4 decimals. */
  cost: number;
}

export interface SmsCostEstimate {
  /** The total, rounded to 4 decimals once (not the sum of rounded rows). */
  amount: number;
  currency: "USD";
  /** Per destination country (unknown country as null), costliest first. */
  byCountry: CountryCost[];
  /** Recipients priced with the default price (unknown country, or no price for theirs). */
  defaultPriced: number;
}

function toUnits(price: number): number {
  return Math.round(price * PRICE_UNITS);
}

/** Whole 1/100,000 USD to USD rounded to 4 decimals (half away from zero, exact). */
function unitsToAmount(units: number): number {
  return Math.round(units / 10) / 10_000;
}

/**
 * The cost of sending `segmentsPerMessage` segments to each recipient of each group: per country,
 * its price (or the default) × its segments, and the total. Groups of the same country are added
 * together; empty groups are left out.
 */
export function estimateSmsCost(
  pricing: SmsPricing,
  groups: readonly CountryRecipients[],
  segmentsPerMessage: number,
): SmsCostEstimate {
  const recipientsByCountry = new Map<string | null, number>();
  for (const group of groups) {
    if (group.recipients <= 0) continue;
    recipientsByCountry.set(group.country, (recipientsByCountry.get(group.country) ?? 0) + group.recipients);
  }
  let totalUnits = 0;
  let defaultPriced = 0;
  const rows: (CountryCost & { units: number })[] = [];
  for (const [country, recipients] of recipientsByCountry) {
    const { price, isDefault } = priceFor(pricing, country);
    const segments = recipients * segmentsPerMessage;
    const units = segments * toUnits(price);
    totalUnits += units;
    if (isDefault) defaultPriced += recipients;
    rows.push({ country, recipients, segments, price, defaultPrice: isDefault, cost: unitsToAmount(units), units });
  }
  // Costliest first; ties by recipients, then country code, unknown country last.
  rows.sort((a, b) => b.units - a.units || b.recipients - a.recipients || compareCountry(a.country, b.country));
  return {
    amount: unitsToAmount(totalUnits),
    currency: "USD",
    byCountry: rows.map(({ units: _units, ...row }) => row),
    defaultPriced,
  };
}

function compareCountry(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
