/**
 * Pure helpers for CSV cells: consent values, dates, time zones, tags, delimiter detection and
 * the formula-injection escaping of exported cells. No I/O, so unit tests cover them directly.
 */
import type { ImportField } from "./schemas";

export type ParsedConsentStatus = "opted_in" | "opted_out";

const CONSENT_VALUES: Record<string, ParsedConsentStatus> = {
  opted_in: "opted_in",
  "opted-in": "opted_in",
  optin: "opted_in",
  yes: "opted_in",
  y: "opted_in",
  true: "opted_in",
  "1": "opted_in",
  subscribed: "opted_in",
  opted_out: "opted_out",
  "opted-out": "opted_out",
  optout: "opted_out",
  no: "opted_out",
  n: "opted_out",
  false: "opted_out",
  "0": "opted_out",
  unsubscribed: "opted_out",
};

export const CONSENT_VALUES_HINT = "opted_in/opted_out, yes/no, true/false, 1/0 or subscribed/unsubscribed";

/** `null` = empty cell (no consent change); `undefined` = not a recognised value. */
export function parseConsentStatus(value: string): ParsedConsentStatus | null | undefined {
  const key = value.trim().toLowerCase().replace(/\s+/g, "_");
  if (!key) return null;
  return CONSENT_VALUES[key];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * ISO 8601 dates (`2024-03-01`, `2024-03-01T10:00:00Z`, `2024-03-01 10:00:00+02:00`) or epoch
 * seconds/milliseconds. A date or a time without an offset is read as UTC, so the same file
 * gives the same ledger whatever the server's zone. `null` when not a date.
 */
export function parseConsentDate(value: string): Date | null {
  const text = value.trim();
  if (!text) return null;
  let ms: number;
  if (/^\d{10}$/.test(text)) ms = Number(text) * 1000;
  else if (/^\d{13}$/.test(text)) ms = Number(text);
  else if (ISO_DATE.test(text)) ms = Date.parse(`${text}T00:00:00Z`);
  else if (ISO_DATE_TIME.test(text)) {
    const normalized = text.replace(" ", "T");
    ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(normalized) ? normalized : `${normalized}Z`);
  } else return null;
  if (!Number.isFinite(ms)) return null;
  const date = new Date(ms);
  // Reject impossible calendar dates that Date.parse rolls over (2024-02-31).
  if (
    ISO_DATE.test(text.slice(0, 10)) &&
    date.toISOString().slice(0, 10) !== text.slice(0, 10) &&
    !/[+-]\d{2}:?\d{2}$/.test(text)
  )
    return null;
  return date;
}

const timezoneCache = new Map<string, boolean>();

/** IANA zone known to the runtime (`Intl`); cached, since constructing a formatter costs ~60 µs. */
export function isValidTimezone(zone: string): boolean {
  let known = timezoneCache.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    if (timezoneCache.size < 10_000) timezoneCache.set(zone, known);
  }
  return known;
}

const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
export const isValidLocale = (value: string) => LOCALE.test(value);

/** Tags cell: comma or semicolon separated. `null` when a tag is invalid. */
export function parseTags(value: string): string[] | null {
  const tags = value
    .split(/[,;]/)
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.some((t) => t.length > 64 || /[\r\n\0]/.test(t))) return null;
  return tags;
}

/** The delimiter of a CSV from its first line: comma, semicolon or tab, whichever occurs most. */
export function detectDelimiter(firstLine: string): "," | ";" | "\t" {
  let best: "," | ";" | "\t" = ",";
  let bestCount = 0;
  for (const candidate of [",", ";", "\t"] as const) {
    let count = 0;
    let quoted = false;
    for (const ch of firstLine) {
      if (ch === '"') quoted = !quoted;
      else if (ch === candidate && !quoted) count++;
    }
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

// ─── Mapping suggestions ─────────────────────────────────────────────────────

const FIELD_SYNONYMS: Record<ImportField, string[]> = {
  email: ["email", "e_mail", "email_address", "mail", "emailaddress"],
  phone: [
    "phone",
    "phone_number",
    "mobile",
    "mobile_phone",
    "mobile_number",
    "cell",
    "cell_phone",
    "telephone",
    "tel",
    "msisdn",
    "sms",
    "phonenumber",
  ],
  firstName: ["first_name", "firstname", "first", "given_name", "forename", "fname"],
  lastName: ["last_name", "lastname", "last", "surname", "family_name", "lname"],
  locale: ["locale", "language", "lang"],
  timezone: ["timezone", "time_zone", "tz", "zone"],
  tags: ["tags", "tag", "labels", "segments"],
  consentStatus: [
    "consent",
    "consent_status",
    "status",
    "opt_in",
    "optin",
    "opted_in",
    "subscribed",
    "subscription_status",
    "marketing_consent",
  ],
  consentAt: [
    "consent_at",
    "consent_date",
    "consent_timestamp",
    "consented_at",
    "opt_in_date",
    "optin_date",
    "subscribed_at",
    "consent_time",
    "date",
    "timestamp",
  ],
  consentSource: ["consent_source", "source", "signup_source", "opt_in_source", "origin"],
};

/** Lower-case, separators folded to `_`: "E-Mail Address" → "e_mail_address". */
export function normalizeHeader(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[\s\-./]+/g, "_")
    .replace(/[^a-z0-9_]/g, "")
    .replace(/_+/g, "_")
    .replace(/^_|_$/g, "");
}

/**
 * Suggested mapping from header names: exact synonyms first (each column used once), then the
 * remaining columns as custom attributes named after their header.
 */
export function suggestMapping(headers: string[]): {
  fields: Partial<Record<ImportField, string>>;
  attributes: Record<string, string>;
} {
  const fields: Partial<Record<ImportField, string>> = {};
  const used = new Set<string>();
  const normalized = headers.map((h) => ({ header: h, key: normalizeHeader(h) }));
  for (const [field, synonyms] of Object.entries(FIELD_SYNONYMS) as [ImportField, string[]][]) {
    for (const synonym of synonyms) {
      const match = normalized.find((h) => !used.has(h.header) && h.key === synonym);
      if (match) {
        fields[field] = match.header;
        used.add(match.header);
        break;
      }
    }
  }
  const attributes: Record<string, string> = {};
  for (const { header, key } of normalized) {
    if (used.has(header) || !key) continue;
    attributes[header] = key.slice(0, 64);
  }
  return { fields, attributes };
}

// ─── CSV output ──────────────────────────────────────────────────────────────

/** Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Formula-injection protection for exported cells: a cell starting with `=`, `+`, `-`, `@`, tab
 * or carriage return gets a leading `'`, which spreadsheets treat as "this is text". Applied to
 * every cell (phone numbers in E.164 therefore read `'+14155552671`); our own import strips that
 * apostrophe again (`unescapeFormulaCell`), so an export re-imports unchanged.
 */
export function escapeFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** The inverse of `escapeFormula` for cells of a file we exported. */
export function unescapeFormulaCell(value: string): string {
  return value.length > 1 && value.charCodeAt(0) === 39 /* ' */ && FORMULA_START.test(value.slice(1))
    ? value.slice(1)
    : value;
}

/** One CSV cell (RFC 4180 quoting) after formula escaping. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = escapeFormula(String(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
