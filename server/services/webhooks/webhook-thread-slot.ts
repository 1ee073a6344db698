import type { TInboundSmsInput } from "../inbound/handle-inbound-sms";

/**
 * The webhook application thread as the rest of the process sees it (apply-thread.ts starts it at
 * boot on PostgreSQL; without it everything runs on the main thread). Kept apart from
 * apply-thread.ts so the modules that consult it (the drain loop, the inbound webhook) do not pull
 * the worker start-up code into the worker's own bundle.
 */
export interface WebhookThread {
  /** Handles one inbound text (a keyword) on the thread; rejects with `WebhookThreadGone` if the thread stopped. */
  handleInbound(input: TInboundSmsInput, requestId?: string): Promise<{ reply: string | null }>;
  /** Wakes the thread's drain loop (never blocks). */
  wake(): void;
  /** Resolves once the thread's drain loop has nothing scheduled or running. */
  idle(): Promise<void>;
  /** Whether the thread's drain loop is scheduled or running (as last reported). */
  readonly drainActive: boolean;
}

/** `application_name` of the thread's database connections (visible in pg_stat_activity). */
export const WEBHOOK_THREAD_APPLICATION_NAME = "optin-webhook-thread";

/** The thread stopped before answering: the caller does the work on the main thread instead. */
export class WebhookThreadGone extends Error {
  constructor(message = "webhook thread stopped") {
    super(message);
    this.name = "WebhookThreadGone";
  }
}

// On globalThis because Next may load these modules twice; a worker thread has its own (empty) slot.
const slot = globalThis as unknown as { __optinWebhookThread?: WebhookThread };

export function webhookThread(): WebhookThread | undefined {
  return slot.__optinWebhookThread;
}

export function setWebhookThread(thread: WebhookThread | undefined): void {
  slot.__optinWebhookThread = thread;
}
