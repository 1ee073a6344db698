import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";

/**
 * Address normalisation, shared by contacts, suppression, imports and sends, so the same person
 * written two ways is one record.
 */
export type AddressResult = { ok: true; value: string } | { ok: false; reason: string };

// Deliberately simple: one @, no spaces or control characters, a dotted domain. Deliverability is
// the provider's call; our job is to refuse header injection and obvious garbage.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Zero-width characters (U+200B–U+200D, U+2060, U+FEFF): invisible, so removed before matching. */
const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/g;
/** Bidirectional overrides, isolates and marks: they make an address display as another one. */
const BIDI_CONTROL = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * The visible form of an address: refuses line breaks, NUL and bidirectional controls; NFC, then
 * zero-width characters removed. Shared by emails and phones so look-alikes meet before hashing.
 */
function visibleText(input: string): AddressResult {
  if (/[\r\n\0]/.test(input)) return { ok: false, reason: "contains a line break or NUL character" };
  if (BIDI_CONTROL.test(input)) return { ok: false, reason: "contains a bidirectional control character" };
  return { ok: true, value: input.normalize("NFC").replace(ZERO_WIDTH, "").trim() };
}

/**
 * The stored form of an email, the one its blind index is computed from: NFC, zero-width
 * characters removed, the domain lower-cased without a trailing dot (`Ann@Example.COM.` →
 * `Ann@example.com`). Bidirectional controls are refused. Every lookup and write goes through
 * here, so look-alikes are one contact or refused.
 */
export function normalizeEmail(input: string): AddressResult {
  const visible = visibleText(input);
  if (!visible.ok) return visible;
  const trimmed = visible.value;
  if (trimmed.length > 254) return { ok: false, reason: "is longer than 254 characters" };
  if (!EMAIL_SHAPE.test(trimmed) || /[\u0000-\u001f\u007f]/.test(trimmed))
    return { ok: false, reason: "is not a valid email address" };
  const at = trimmed.lastIndexOf("@");
  const domain = trimmed
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, "");
  const value = `${trimmed.slice(0, at)}@${domain}`;
  if (!EMAIL_SHAPE.test(value)) return { ok: false, reason: "is not a valid email address" };
  return { ok: true, value };
}

/** The lookup key for an email: fully lower-cased (mailbox providers treat local parts case-insensitively). */
export function emailLookupKey(normalized: string): string {
  return normalized.toLowerCase();
}

/** E.164 via libphonenumber, reading national numbers in `defaultRegion`. */
export function normalizePhone(input: string, defaultRegion: string): AddressResult {
  const result = normalizePhoneWithCountry(input, defaultRegion);
  return result.ok ? { ok: true, value: result.value } : result;
}

/**
 * `normalizePhone` and the number's `phoneCountry` from one parse (a bulk import would otherwise
 * parse every number twice). The country comes from the calling code and the national number, as
 * when the E.164 form is parsed again, so both always agree (unit-tested).
 */
export function normalizePhoneWithCountry(
  input: string,
  defaultRegion: string,
): { ok: true; value: string; country: string | null } | { ok: false; reason: string } {
  const visible = visibleText(input);
  if (!visible.ok) return visible;
  const trimmed = visible.value;
  if (!trimmed || trimmed.length > 40) return { ok: false, reason: "is not a valid phone number" };
  const parsed = parsePhoneNumberFromString(trimmed, { defaultCountry: defaultRegion as CountryCode, extract: false });
  if (!parsed || !parsed.isValid()) return { ok: false, reason: "is not a valid phone number" };
  return { ok: true, value: parsed.number, country: parsed.country ?? null };
}

/** Country of an E.164 number (for time-zone inference and quiet hours), if known. */
export function phoneCountry(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

/** `+1 ••• ••• 4567` style mask for viewers. */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  const last4 = e164.slice(-4);
  return parsed ? `+${parsed.countryCallingCode} ••• ••• ${last4}` : `••• ${last4}`;
}
