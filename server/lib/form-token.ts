import { randomToken, hmacHex, safeEqual } from "./hashing";
import { getSecrets } from "./secrets";

/**
 * Anti-forgery token of a hosted form: `issuedAt.nonce.HMAC(formKey, issuedAt, nonce)` keyed with
 * APP_SECRET. It travels in a hidden field only (no cookie), so the form also works inside an
 * iframe on another site, where third-party cookies are blocked. A token is bound to one form and
 * expires after `FORM_TOKEN_TTL_MS`; a tampered, foreign or stale token is refused.
 */
export const FORM_TOKEN_TTL_MS = 4 * 60 * 60 * 1000;
/** Clock skew tolerated for a token "issued in the future" (several app servers). */
const MAX_SKEW_MS = 5 * 60 * 1000;

function signature(secret: string, formKey: string, issuedAt: string, nonce: string): string {
  return hmacHex(secret, `form-token/v1\n${formKey}\n${issuedAt}\n${nonce}`);
}

export function issueFormToken(formKey: string, now: Date, secret = getSecrets().appSecret): string {
  const issuedAt = String(now.getTime());
  const nonce = randomToken(12);
  return `${issuedAt}.${nonce}.${signature(secret, formKey, issuedAt, nonce)}`;
}

export type FormTokenCheck = "valid" | "missing" | "invalid" | "expired";

export function verifyFormToken(
  formKey: string,
  token: string | null | undefined,
  now: Date,
  secret = getSecrets().appSecret,
): FormTokenCheck {
  if (!token) return "missing";
  const parts = token.split(".");
  if (parts.length !== 3) return "invalid";
  const [issuedAt, nonce, mac] = parts as [string, string, string];
  if (!/^\d{1,16}$/.test(issuedAt) || !/^[A-Za-z0-9_-]{8,64}$/.test(nonce)) return "invalid";
  if (!safeEqual(mac, signature(secret, formKey, issuedAt, nonce))) return "invalid";
  const age = now.getTime() - Number(issuedAt);
  if (age < -MAX_SKEW_MS || age > FORM_TOKEN_TTL_MS) return "expired";
  return "valid";
}
