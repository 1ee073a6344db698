import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { getEnv } from "./env";
import { getSecrets } from "./secrets";

/**
 * Signed tokens of the open pixel and of click redirects (`/t/o/{token}`, `/t/c/{token}`).
 *
 * Format, base64url without padding: version(1) purpose(1) messageId(16) [linkId(16)] mac(16),
 * mac = HMAC-SHA256(HKDF(APP_SECRET, "tracking:<purpose>"), every byte before it) truncated to
 * 128 bits. A token names a message (and one of its stored links), never a URL: the redirect
 * reads the destination from `message_links`, so no token can send anyone elsewhere. Decoding is
 * strict (canonical base64url only), so any altered character is refused.
 *
 * SMS links use a short random code instead (`/t/{code}`, `newShortCode()`): 10 base62
 * characters (about 59 bits), looked up in `message_links`; a guessed code finds nothing.
 */

const VERSION = 1;
const PURPOSES = { open: 1, click: 2 } as const;
type Purpose = keyof typeof PURPOSES;
const UUID_BYTES = 16;
const MAC_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidBytes(value: string): Buffer {
  if (!UUID.test(value)) throw new TypeError("Not a UUID");
  return Buffer.from(value.replace(/-/g, ""), "hex");
}

function uuidString(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Signs and verifies tracking tokens with one secret (`signOpenToken`… use APP_SECRET). */
export function createTrackingCodec(secret: string) {
  if (!secret) throw new TypeError("A token secret is required");
  const keys = new Map<Purpose, Buffer>();
  const keyOf = (purpose: Purpose) => {
    let key = keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync("sha256", secret, "optin-tracking", `tracking:${purpose}`, 32));
      keys.set(purpose, key);
    }
    return key;
  };
  const mac = (purpose: Purpose, body: Buffer) =>
    createHmac("sha256", keyOf(purpose)).update(body).digest().subarray(0, MAC_BYTES);

  function sign(purpose: Purpose, ids: string[]): string {
    const body = Buffer.concat([Buffer.from([VERSION, PURPOSES[purpose]]), ...ids.map(uuidBytes)]);
    return Buffer.concat([body, mac(purpose, body)]).toString("base64url");
  }

  function verify(purpose: Purpose, token: string, count: number): string[] | null {
    if (typeof token !== "string" || token.length > 128 || !BASE64URL.test(token)) return null;
    const bytes = Buffer.from(token, "base64url");
    if (bytes.toString("base64url") !== token) return null;
    if (bytes.length !== 2 + count * UUID_BYTES + MAC_BYTES) return null;
    const body = bytes.subarray(0, bytes.length - MAC_BYTES);
    if (!timingSafeEqual(mac(purpose, body), bytes.subarray(bytes.length - MAC_BYTES))) return null;
    if (body[0] !== VERSION || body[1] !== PURPOSES[purpose]) return null;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(uuidString(body.subarray(2 + i * UUID_BYTES, 2 + (i + 1) * UUID_BYTES)));
    return ids;
  }

  return {
    signOpen: (messageId: string) => sign("open", [messageId]),
    verifyOpen: (token: string): { messageId: string } | null => {
      const ids = verify("open", token, 1);
      return ids ? { messageId: ids[0]! } : null;
    },
    signClick: (messageId: string, linkId: string) => sign("click", [messageId, linkId]),
    verifyClick: (token: string): { messageId: string; linkId: string } | null => {
      const ids = verify("click", token, 2);
      return ids ? { messageId: ids[0]!, linkId: ids[1]! } : null;
    },
  };
}

export type TrackingCodec = ReturnType<typeof createTrackingCodec>;

export function trackingCodec(): TrackingCodec {
  return createTrackingCodec(getSecrets().appSecret);
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Characters of an SMS short code. */
export const SHORT_CODE_LENGTH = 10;
/** What a short code looks like (anything else is a 404 without a query). */
export const SHORT_CODE_PATTERN = /^[0-9A-Za-z]{10}$/;

/** A random base62 code (rejection sampling: every character equally likely). */
export function newShortCode(): string {
  let code = "";
  while (code.length < SHORT_CODE_LENGTH) {
    for (const byte of randomBytes(16)) {
      if (byte < 248 && code.length < SHORT_CODE_LENGTH) code += BASE62[byte % 62];
    }
  }
  return code;
}

/** The tracking origin (TRACKING_BASE_URL, default PUBLIC_URL). */
export function trackingBaseUrl(): string {
  return getEnv().TRACKING_BASE_URL;
}

/** An SMS short link: `TRACKING_BASE_URL/t/{code}`. */
export function shortLinkUrl(code: string): string {
  return `${trackingBaseUrl()}/t/${code}`;
}
