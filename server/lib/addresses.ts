import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";

/**
 * Address normalisation, shared by contacts, suppression, imports and sends, so the same person
 * written two ways is one record.
 */
export type AddressResult = { ok: true; value: string } | { ok: false; reason: string };

// Deliberately simple: one @, no spaces or control characters, a dotted domain. Deliverability is
// the provider's call; our job is to refuse header injection and obvious garbage.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(input: string): AddressResult {
  if (/[\r\n\0]/.test(input)) return { ok: false, reason: "contains a line break or NUL character" };
  const trimmed = input.trim();
  if (trimmed.length > 254) return { ok: false, reason: "is longer than 254 characters" };
  if (!EMAIL_SHAPE.test(trimmed) || /[\u0000-\u001f\u007f]/.test(trimmed)) return { ok: false, reason: "is not a valid email address" };
  const at = trimmed.lastIndexOf("@");
  return { ok: true, value: `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}` };
}

/** The lookup key for an email: fully lower-cased (mailbox providers treat local parts case-insensitively). */
export function emailLookupKey(normalized: string): string {
  return normalized.toLowerCase();
}

/** E.164 via libphonenumber, reading national numbers in `defaultRegion`. */
export function normalizePhone(input: string, defaultRegion: string): AddressResult {
  if (/[\r\n\0]/.test(input)) return { ok: false, reason: "contains a line break or NUL character" };
  const trimmed = input.trim();
  if (!trimmed || trimmed.length > 40) return { ok: false, reason: "is not a valid phone number" };
  const parsed = parsePhoneNumberFromString(trimmed, { defaultCountry: defaultRegion as CountryCode, extract: false });
  if (!parsed || !parsed.isValid()) return { ok: false, reason: "is not a valid phone number" };
  return { ok: true, value: parsed.number };
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
