import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

/**
 * The byte-level pieces every signed link token shares (contact links in tokens.ts, resource
 * links in resource-tokens.ts, tracking links in tracking-tokens.ts): per-purpose keys derived
 * from the app secret with HKDF, a MAC truncated to 128 bits, UUIDs as 16 raw bytes, and strict
 * decoding of unpadded base64url. Each token module keeps its own layout and salt.
 */

/** Bytes of the truncated HMAC-SHA256 at the end of every token. */
export const MAC_BYTES = 16;
/** Bytes of a UUID in a token. */
export const UUID_BYTES = 16;

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const keyCache = new Map<string, Buffer>();

/** HKDF-SHA256(secret, salt, info), 32 bytes, cached per secret, salt and info. */
export function derivedKey(secret: string, salt: string, info: string): Buffer {
  const cacheKey = `${salt}\u0000${info}\u0000${secret}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, salt, info, 32));
    keyCache.set(cacheKey, key);
  }
  return key;
}

/** HMAC-SHA256(key, body) truncated to MAC_BYTES. */
export function truncatedMac(key: Buffer, body: Buffer): Buffer {
  return createHmac("sha256", key).update(body).digest().subarray(0, MAC_BYTES);
}

/** `token` with its MAC appended, as unpadded base64url. */
export function sealToken(key: Buffer, body: Buffer): string {
  return Buffer.concat([body, truncatedMac(key, body)]).toString("base64url");
}

/**
 * The body of a token whose trailing MAC verifies under `key` (constant-time), else null. The
 * string must be the canonical unpadded base64url of its bytes (a character differing only in
 * unused low bits is refused), at most `maxChars` long, and hold at least `minBodyBytes` before
 * the MAC. Never throws on input.
 */
export function openToken(key: Buffer, token: unknown, maxChars: number, minBodyBytes: number): Buffer | null {
  if (typeof token !== "string" || token.length > maxChars || !BASE64URL.test(token)) return null;
  const bytes = Buffer.from(token, "base64url");
  if (bytes.toString("base64url") !== token || bytes.length < minBodyBytes + MAC_BYTES) return null;
  const body = bytes.subarray(0, bytes.length - MAC_BYTES);
  if (!timingSafeEqual(truncatedMac(key, body), bytes.subarray(bytes.length - MAC_BYTES))) return null;
  return body;
}

/** A UUID as 16 bytes; a TypeError naming `field` when it is not one. */
export function uuidBytes(value: string, field: string): Buffer {
  if (!UUID_SHAPE.test(value)) throw new TypeError(`${field} must be a UUID`);
  return Buffer.from(value.replaceAll("-", ""), "hex");
}

/** 16 bytes as a lower-case UUID string. */
export function uuidString(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
