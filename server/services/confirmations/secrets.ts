import { randomInt } from "node:crypto";
import { randomToken, safeEqual, sha256Hex } from "@/server/lib/hashing";

/** Email links live 48 hours; SMS codes 15 minutes with at most 5 tries. */
export const LINK_TTL_MS = 48 * 60 * 60 * 1000;
export const CODE_TTL_MS = 15 * 60 * 1000;
export const CODE_MAX_ATTEMPTS = 5;
/** Confirmation messages one address may receive per hour (counted from the table: survives restarts). */
export const MAX_CONFIRMATIONS_PER_ADDRESS_PER_HOUR = 3;
export const CODE_LENGTH = 6;

/** A link token with 256 bits of entropy; only its SHA-256 is stored. */
export function generateLinkToken(): { token: string; hash: string } {
  const token = randomToken(32);
  return { token, hash: hashLinkToken(token) };
}

export function hashLinkToken(token: string): string {
  return sha256Hex(token);
}

/** A uniformly random 6-digit code (leading zeros kept). */
export function generateCode(): string {
  return String(randomInt(0, 10 ** CODE_LENGTH)).padStart(CODE_LENGTH, "0");
}

/** Codes are salted with their confirmation id, so equal codes never collide in the unique index. */
export function hashCode(confirmationId: string, code: string): string {
  return sha256Hex(confirmationId + code);
}

/** What a person may type: spaces and dashes are ignored ("123 456", "123-456"). */
export function normalizeCode(input: string): string | null {
  const digits = input.replace(/[\s-]/g, "");
  return new RegExp(`^\\d{${CODE_LENGTH}}$`).test(digits) ? digits : null;
}

/** Constant-time check of a typed code against the stored hash. */
export function codeMatches(confirmationId: string, input: string, storedHash: string): boolean {
  const code = normalizeCode(input);
  // Hash something even for malformed input, so timing does not tell the two apart.
  const candidate = hashCode(confirmationId, code ?? "------");
  return safeEqual(candidate, storedHash) && code !== null;
}

/** A link token looks like base64url of 32 bytes; anything else is refused before a lookup. */
export function isWellFormedLinkToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
