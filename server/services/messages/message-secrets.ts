import { createHash } from "node:crypto";
import { decryptOptional, encryptOptional, encryptPii, decryptPii } from "@/server/lib/crypto";
import type { RenderSourceInput } from "./pipeline-types";

/**
 * Column-bound encryption purposes of a message's PII (the read side in message-view.ts uses the
 * same strings). `request` is the original source + variables, kept so retry, resend and
 * fallback can run the same request through the pipeline again.
 */
export const MESSAGE_PURPOSE = {
  address: "message.address",
  subject: "message.subject",
  text: "message.text",
  html: "message.html",
  request: "message.request",
} as const;

export interface StoredRequest {
  source: RenderSourceInput;
  variables: Record<string, unknown>;
}

export function encryptRequest(request: StoredRequest): string {
  return encryptPii(JSON.stringify(request), MESSAGE_PURPOSE.request);
}

export function decryptRequest(ciphertext: unknown): StoredRequest | null {
  if (typeof ciphertext !== "string") return null;
  return JSON.parse(decryptPii(ciphertext, MESSAGE_PURPOSE.request)) as StoredRequest;
}

export const encryptField = (value: string | null | undefined, field: keyof typeof MESSAGE_PURPOSE) => encryptOptional(value, MESSAGE_PURPOSE[field]);
export const decryptField = (value: string | null | undefined, field: keyof typeof MESSAGE_PURPOSE) => decryptOptional(value, MESSAGE_PURPOSE[field]);

/** JSON with object keys sorted at every level, so two equal requests hash alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value instanceof Date ? value.toISOString() : value);
}

/**
 * SHA-256 of the canonical parsed request without its idempotency key: the same key with another
 * body answers 409. Parsed (defaults applied), so `kind` omitted and `kind: "marketing"` match.
 */
export function requestHash(request: Record<string, unknown>): string {
  const { idempotencyKey: _ignored, ...rest } = request;
  return createHash("sha256").update(canonical(rest)).digest("hex");
}
