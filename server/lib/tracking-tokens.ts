import { randomBytes } from "node:crypto";
import { getEnv } from "./env";
import { getSecrets } from "./secrets";
import { derivedKey, openToken, sealToken, UUID_BYTES, uuidBytes, uuidString } from "./token-bytes";

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

/** Signs and verifies tracking tokens with one secret (`signOpenToken`… use APP_SECRET). */
export function createTrackingCodec(secret: string) {
  if (!secret) throw new TypeError("A token secret is required");
  const keyOf = (purpose: Purpose) => derivedKey(secret, "optin-tracking", `tracking:${purpose}`);

  function sign(purpose: Purpose, ids: string[]): string {
    const body = Buffer.concat([Buffer.from([VERSION, PURPOSES[purpose]]), ...ids.map((id) => uuidBytes(id, "id"))]);
    return sealToken(keyOf(purpose), body);
  }

  function verify(purpose: Purpose, token: string, count: number): string[] | null {
    const body = openToken(keyOf(purpose), token, 128, 2 + count * UUID_BYTES);
    if (!body || body.length !== 2 + count * UUID_BYTES) return null;
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
