import type { WebhookRequest, WebhookResponse } from "@/server/providers/types";
import { backgroundThread, BackgroundThreadGone, type WebhookKind } from "../background-thread";

/**
 * The largest webhook body any provider accepts (Resend's 256 KB; Twilio's is 64 KB). A call
 * handed to another thread is read once, up to this, before any signature check; the provider's
 * own limit is applied to the buffered body (`bufferedWebhookRequest`).
 */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/**
 * A webhook call already read, as plain data: what the main thread hands the background thread
 * (structured-cloned), and what either thread verifies and parses. `body` is null when it was
 * larger than `MAX_WEBHOOK_BODY_BYTES`.
 */
export interface BufferedWebhookCall {
  provider: string;
  pathWithQuery: string;
  headers: [string, string][];
  body: string | null;
  receivedAt: Date;
  /** The request id of the call (logs and audit of what it changes). */
  requestId?: string;
}

/** Reads the call's body once (up to `MAX_WEBHOOK_BODY_BYTES`) and keeps what verification needs. */
export async function bufferWebhookCall(
  provider: string,
  request: WebhookRequest,
  requestId?: string,
): Promise<BufferedWebhookCall> {
  return {
    provider,
    pathWithQuery: request.pathWithQuery,
    headers: Array.from(request.headers),
    body: await request.readBody(MAX_WEBHOOK_BODY_BYTES),
    receivedAt: request.receivedAt,
    requestId,
  };
}

/**
 * The call as a provider sees it again: each `readBody(maxBytes)` answers the buffered body, or
 * null when it is larger than that provider's `maxBytes` (exactly as reading the request would).
 */
export function bufferedWebhookRequest(call: BufferedWebhookCall): WebhookRequest {
  const size = call.body === null ? Infinity : Buffer.byteLength(call.body, "utf8");
  return {
    pathWithQuery: call.pathWithQuery,
    headers: new Headers(call.headers),
    readBody: async (maxBytes) => (size > maxBytes ? null : call.body),
    receivedAt: call.receivedAt,
  };
}

/**
 * Hands a webhook call to the background thread when one runs for `db` (PostgreSQL): the body is
 * read here and the thread's answer is the answer. Otherwise, or when the thread stopped before
 * answering, the call is to be taken on this thread: from the body already read if it was read
 * (a retry of what the thread may have stored is a duplicate there).
 */
export async function handOffWebhook(
  db: object,
  kind: WebhookKind,
  provider: string,
  request: WebhookRequest,
  requestId?: string,
): Promise<{ answered: true; answer: WebhookResponse | null } | { answered: false; request: WebhookRequest }> {
  const thread = backgroundThread(db);
  if (!thread) return { answered: false, request };
  const call = await bufferWebhookCall(provider, request, requestId);
  try {
    return { answered: true, answer: await thread.receiveWebhook(kind, call) };
  } catch (error) {
    if (!(error instanceof BackgroundThreadGone)) throw error;
    return { answered: false, request: bufferedWebhookRequest(call) };
  }
}
