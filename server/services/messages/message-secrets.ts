import { createHash } from "node:crypto";
import { decryptOptional, encryptOptional, encryptPii, decryptPii } from "@/server/lib/crypto";
import { canonicalJson } from "@/server/lib/canonical-json";
import type { CampaignFileLink, RenderSourceInput } from "./pipeline-types";

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
  /** A tracked link's URL (`message_links.url_ciphertext`). */
  link: "message.link",
} as const;

export interface StoredRequest {
  source: RenderSourceInput;
  variables: Record<string, unknown>;
  /** A campaign email's UTM parameters, so a retry or resend tags its links the same way. */
  utm?: Record<string, string>;
  /** A campaign email's attached files (ids), links to files, and web version: a retry or resend carries them too. */
  attachmentIds?: string[];
  fileLinks?: CampaignFileLink[];
  webVersion?: boolean;
}

export function encryptRequest(request: StoredRequest): string {
  return encryptPii(JSON.stringify(request), MESSAGE_PURPOSE.request);
}

export function decryptRequest(ciphertext: unknown): StoredRequest | null {
  if (typeof ciphertext !== "string") return null;
  return JSON.parse(decryptPii(ciphertext, MESSAGE_PURPOSE.request)) as StoredRequest;
}

export const encryptField = (value: string | null | undefined, field: keyof typeof MESSAGE_PURPOSE) =>
  encryptOptional(value, MESSAGE_PURPOSE[field]);
export const decryptField = (value: string | null | undefined, field: keyof typeof MESSAGE_PURPOSE) =>
  decryptOptional(value, MESSAGE_PURPOSE[field]);

/**
 * SHA-256 of the canonical parsed request without its idempotency key: the same key with another
 * body answers 409. Parsed (defaults applied), so `kind` omitted and `kind: "marketing"` match.
 */
export function requestHash(request: Record<string, unknown>): string {
  const { idempotencyKey: _ignored, ...rest } = request;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex");
}
