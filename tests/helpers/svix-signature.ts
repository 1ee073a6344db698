import { createHmac, randomBytes } from "node:crypto";

/** A Svix secret in Resend's format (`whsec_` + base64 of 24 random bytes). */
export function newSvixSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

export const TEST_SVIX_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** `svix-signature` as Svix computes it: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`. */
export function svixSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64")}`;
}

/** Headers of a Resend webhook delivery signed with `secret`; `at` defaults to now. */
export function svixHeaders(secret: string, id: string, body: string, at: Date = new Date()): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    "content-type": "application/json",
    "svix-id": id,
    "svix-timestamp": String(timestamp),
    "svix-signature": svixSignature(secret, id, timestamp, body),
  };
}

/** A signed `POST /api/webhooks/resend` request for `event`. */
export function resendWebhookRequest(
  url: string,
  event: unknown,
  options: { secret?: string; id?: string; at?: Date; headers?: Record<string, string>; body?: string } = {},
): Request {
  const body = JSON.stringify(event);
  const id = options.id ?? `msg_${randomBytes(12).toString("hex")}`;
  const headers = { ...svixHeaders(options.secret ?? TEST_SVIX_SECRET, id, body, options.at), ...options.headers };
  return new Request(url, { method: "POST", headers, body: options.body ?? body });
}
