import { createHmac, timingSafeEqual } from "node:crypto";

/** Svix / Standard Webhooks accept a timestamp this far from our clock, either way. */
export const SVIX_TOLERANCE_SECONDS = 5 * 60;

export type SvixVerification =
  | { ok: true; id: string; timestamp: Date }
  | { ok: false; reason: "missing_headers" | "stale_timestamp" | "bad_signature" | "bad_secret" };

function secretKey(secret: string): Buffer | null {
  const encoded = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  const key = Buffer.from(encoded, "base64");
  return key.length > 0 ? key : null;
}

/**
 * Verifies a Resend (Svix, Standard Webhooks) delivery: `v1,` HMAC-SHA256 of
 * `${svix-id}.${svix-timestamp}.${raw body}` with the base64 secret after `whsec_`, compared in
 * constant time against each signature in the space-separated header (secret rotation sends
 * two); the timestamp must be within ±5 minutes of `now` (replays of old deliveries fail). Same
 * algorithm as `resend.webhooks.verify`, with the clock as an input. The `webhook-*` header names
 * of Standard Webhooks are accepted too.
 */
export function verifySvixRequest(input: {
  secret: string;
  headers: Headers;
  body: string;
  now: Date;
}): SvixVerification {
  const id = input.headers.get("svix-id") ?? input.headers.get("webhook-id");
  const timestampHeader = input.headers.get("svix-timestamp") ?? input.headers.get("webhook-timestamp");
  const signatureHeader = input.headers.get("svix-signature") ?? input.headers.get("webhook-signature");
  if (!id || !timestampHeader || !signatureHeader) return { ok: false, reason: "missing_headers" };
  if (!/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: "missing_headers" };
  const seconds = Number(timestampHeader);
  if (Math.abs(input.now.getTime() / 1000 - seconds) > SVIX_TOLERANCE_SECONDS)
    return { ok: false, reason: "stale_timestamp" };
  const key = secretKey(input.secret);
  if (!key) return { ok: false, reason: "bad_secret" };

  const expected = createHmac("sha256", key).update(`${id}.${timestampHeader}.${input.body}`).digest();
  for (const entry of signatureHeader.split(" ")) {
    const [version, signature] = entry.split(",", 2);
    if (version !== "v1" || !signature) continue;
    const given = Buffer.from(signature, "base64");
    if (given.length === expected.length && timingSafeEqual(given, expected))
      return { ok: true, id, timestamp: new Date(seconds * 1000) };
  }
  return { ok: false, reason: "bad_signature" };
}
