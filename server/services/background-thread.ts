import type { WebhookResponse } from "@/server/providers/types";
import type { QueuedMessage } from "./messages/outbox";
import type { BufferedWebhookCall } from "./webhooks/buffered-webhook-call";

export type { BufferedWebhookCall, QueuedMessage, WebhookResponse };

/** The webhook calls the thread takes: delivery events, and texts sent to our numbers. */
export type WebhookKind = "delivery" | "inbound";

/**
 * The background thread as the services see it. On PostgreSQL, start-up (server/jobs/thread)
 * runs one worker thread with its own connection pool for the work made of many sequential
 * round trips: webhook calls, the webhook drain and in-process delivery. Without it (the
 * embedded database, `BACKGROUND_THREAD=off`, tests) all of that runs on the main thread, as the
 * same code. Only types and a slot here, so the modules that consult it do not pull the thread's
 * start-up code into the thread's own bundle. The main thread reads a webhook call and answers
 * what the thread answers.
 */
export interface BackgroundThread {
  /** The process database the thread works on: only work for this handle goes to it. */
  readonly db: object;
  /**
   * Takes one webhook call on the thread, as `receiveDeliveryWebhook` / `receiveInboundWebhook`
   * would here (verify, parse, store or act on keywords; its drain woken there), answering the
   * provider's response, or null for an unknown provider. Rejects with the service's error
   * (AppError codes kept), or `BackgroundThreadGone` if the thread stopped before answering.
   */
  receiveWebhook(kind: WebhookKind, call: BufferedWebhookCall): Promise<WebhookResponse | null>;
  /** Wakes the thread's webhook drain loop (never blocks). */
  wake(): void;
  /** Resolves once the thread's drain loop has nothing scheduled or running. */
  idle(): Promise<void>;
  /** Whether the thread's drain loop is scheduled or running (as last reported). */
  readonly drainActive: boolean;
  /** Hands committed `queued` messages to the thread's delivery (never blocks; false if the thread is gone). */
  deliver(messages: QueuedMessage[]): boolean;
  /** Resolves once every delivery handed to the thread so far has finished. */
  deliveryIdle(): Promise<void>;
}

/** `application_name` of the thread's database connections (visible in pg_stat_activity). */
export const BACKGROUND_THREAD_APPLICATION_NAME = "optin-background-thread";

/** The thread stopped before answering: the caller does the work on the main thread instead. */
export class BackgroundThreadGone extends Error {
  constructor(message = "background thread stopped") {
    super(message);
    this.name = "BackgroundThreadGone";
  }
}

// On globalThis because Next may load these modules twice; a worker thread has its own (empty) slot.
const slot = globalThis as unknown as { __optinBackgroundThread?: BackgroundThread };

/** The running thread, if any; with `db`, only when it works on that database handle. */
export function backgroundThread(db?: object): BackgroundThread | undefined {
  const thread = slot.__optinBackgroundThread;
  return thread && (db === undefined || thread.db === db) ? thread : undefined;
}

export function setBackgroundThread(thread: BackgroundThread | undefined): void {
  slot.__optinBackgroundThread = thread;
}
