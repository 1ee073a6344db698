import { Worker } from "node:worker_threads";
import { AppError, type AppErrorCode } from "@/server/lib/errors";
import { logger } from "@/server/lib/logger";
import { getSecrets } from "@/server/lib/secrets";
import { workerBundlePath } from "@/server/lib/worker-bundles";
import type { TInboundSmsInput } from "../inbound/handle-inbound-sms";
import { setWebhookThread, webhookThread, WebhookThreadGone, type WebhookThread } from "./webhook-thread-slot";

export interface ApplyWorkerData {
  databaseUrl: string;
  maxConnections: number;
  appSecret: string;
  encryptionKeys: { id: string; key: Uint8Array }[];
}

export type ApplyRequest =
  | { type: "inbound"; id: number; input: TInboundSmsInput; requestId?: string }
  | { type: "wake" }
  | { type: "idle"; id: number }
  | { type: "close" };

export type ApplyResponse =
  | { type: "ready" }
  | { type: "inbound"; id: number; ok: true; reply: string | null }
  | { type: "inbound"; id: number; ok: false; error: { name: string; code?: string; message: string } }
  | { type: "drain-state"; active: boolean }
  | { type: "idle"; id: number }
  | { type: "closed" };

/** Connections of the thread's own pool: keywords arrive a few at a time, the drain uses one. */
const THREAD_CONNECTIONS = 4;
/** First wait before starting a thread again after it stopped unexpectedly; doubles up to the cap. */
const RESTART_DELAY_MS = 1_000;
const RESTART_DELAY_CAP_MS = 60_000;
/** Wake-ups within this window go to the thread as one message. */
const WAKE_COALESCE_MS = 5;

export interface StartWebhookThreadOptions {
  databaseUrl: string;
  maxConnections?: number;
}

/**
 * The webhook application thread (see apply-worker.ts): a worker thread with its own connection
 * pool that handles inbound keywords and runs the webhook drain, so their sequential round trips
 * do not queue behind the acknowledgements on the main thread's event loop. Only on PostgreSQL
 * (an embedded PGlite belongs to one thread).
 *
 * If the thread stops unexpectedly, the calls waiting on it are done on the main thread instead
 * (a keyword claims its MessageSid in its transaction, so one the thread had committed is not
 * applied twice), and a new thread is started after a back-off.
 */
class ApplyThread implements WebhookThread {
  private readonly pending = new Map<
    number,
    { resolve: (v: { reply: string | null }) => void; reject: (e: Error) => void }
  >();
  private readonly idleWaiters = new Map<number, () => void>();
  private nextId = 1;
  private active = false;
  private gone = false;
  private closing = false;
  private closed: (() => void) | undefined;
  private wakeTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly worker: Worker,
    private readonly onGone: () => void,
  ) {
    worker.on("message", (message: ApplyResponse) => this.receive(message));
    worker.on("error", (error) => {
      logger.error({ error: error.name }, "webhook thread failed");
      this.stop();
    });
    worker.on("exit", (code) => {
      if (!this.closing) logger.error({ code }, "webhook thread exited");
      this.stop();
    });
    // The server's lifetime is decided elsewhere: this thread never keeps the process up.
    worker.unref();
  }

  get drainActive(): boolean {
    return this.active && !this.gone;
  }

  handleInbound(input: TInboundSmsInput, requestId?: string): Promise<{ reply: string | null }> {
    if (this.gone) return Promise.reject(new WebhookThreadGone());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: "inbound", id, input, requestId });
    });
  }

  wake(): void {
    if (this.gone) return;
    // Reported as active at once, so the minute job stands aside even before the thread answers.
    this.active = true;
    // One message for all the wake-ups of a few milliseconds (the thread's loop debounces 50 ms
    // anyway): posting one per acknowledgement cost ~3% of the main thread under load.
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      if (!this.gone) this.post({ type: "wake" });
    }, WAKE_COALESCE_MS);
  }

  idle(): Promise<void> {
    if (this.gone) return Promise.resolve();
    if (this.wakeTimer) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = null;
      this.post({ type: "wake" });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.idleWaiters.set(id, resolve);
      this.post({ type: "idle", id });
    });
  }

  /** Lets the drain finish, closes the thread's pool, and ends the thread. */
  async close(): Promise<void> {
    if (this.gone) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      this.closed = resolve;
      this.post({ type: "close" });
      setTimeout(resolve, 10_000).unref();
    });
    await this.worker.terminate();
    this.stop();
  }

  private post(request: ApplyRequest): void {
    try {
      this.worker.postMessage(request);
    } catch (error) {
      logger.error({ error: (error as Error).name }, "webhook thread unreachable");
      this.stop();
    }
  }

  private receive(message: ApplyResponse): void {
    switch (message.type) {
      case "inbound": {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (!waiter) return;
        if (message.ok) waiter.resolve({ reply: message.reply });
        else waiter.reject(rebuildError(message.error));
        return;
      }
      case "drain-state":
        this.active = message.active;
        return;
      case "idle":
        this.idleWaiters.get(message.id)?.();
        this.idleWaiters.delete(message.id);
        return;
      case "closed":
        this.closed?.();
        return;
      case "ready":
        return;
    }
  }

  private stop(): void {
    if (this.gone) return;
    this.gone = true;
    for (const waiter of this.pending.values()) waiter.reject(new WebhookThreadGone());
    this.pending.clear();
    for (const resolve of this.idleWaiters.values()) resolve();
    this.idleWaiters.clear();
    this.onGone();
  }
}

/** An error from the thread as the main thread would have thrown it (AppError codes survive). */
function rebuildError(error: { name: string; code?: string; message: string }): Error {
  if (error.name === "AppError" && error.code) return new AppError(error.code as AppErrorCode, error.message);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.code) Object.assign(rebuilt, { code: error.code });
  return rebuilt;
}

const globalForStart = globalThis as unknown as {
  __optinWebhookThreadStart?: { options: StartWebhookThreadOptions; restartDelayMs: number; stopped: boolean };
};

/**
 * Starts the webhook application thread and installs it for this process (boot, on PostgreSQL).
 * Returns false, leaving all webhook work on the main thread, when no worker bundle can be found
 * or built.
 */
export async function startWebhookThread(options: StartWebhookThreadOptions): Promise<boolean> {
  if (webhookThread()) return true;
  globalForStart.__optinWebhookThreadStart = { options, restartDelayMs: RESTART_DELAY_MS, stopped: false };
  return spawn(options);
}

async function spawn(options: StartWebhookThreadOptions): Promise<boolean> {
  const file = await workerBundlePath("webhook-apply");
  if (!file) return false;
  const secrets = getSecrets();
  const workerData: ApplyWorkerData = {
    databaseUrl: options.databaseUrl,
    maxConnections: options.maxConnections ?? THREAD_CONNECTIONS,
    appSecret: secrets.appSecret,
    encryptionKeys: secrets.encryptionKeys.map((k) => ({ id: k.id, key: new Uint8Array(k.key) })),
  };
  let worker: Worker;
  try {
    worker = new Worker(file, { workerData, stdout: false, stderr: false });
  } catch (error) {
    logger.error({ error: (error as Error).name }, "webhook thread could not start; webhooks run on the main thread");
    return false;
  }
  let installed = false;
  const thread = new ApplyThread(worker, () => {
    if (webhookThread() === thread) setWebhookThread(undefined);
    const start = globalForStart.__optinWebhookThreadStart;
    // A thread that never got ready (a broken bundle) is not started again and again.
    if (!installed || !start || start.stopped) return;
    const delay = start.restartDelayMs;
    start.restartDelayMs = Math.min(delay * 2, RESTART_DELAY_CAP_MS);
    setTimeout(() => {
      if (!start.stopped && !webhookThread()) void spawn(start.options);
    }, delay).unref();
  });
  const ready = await new Promise<boolean>((resolve) => {
    worker.once("message", (message: ApplyResponse) => resolve(message.type === "ready"));
    worker.once("exit", () => resolve(false));
  });
  if (!ready) return false;
  installed = true;
  setWebhookThread(thread);
  // Left over from before a restart (or stored by a call that fell back to the main thread).
  thread.wake();
  return true;
}

/** Stops the thread for good (shutdown, tests): its drain finishes first. */
export async function stopWebhookThread(): Promise<void> {
  const start = globalForStart.__optinWebhookThreadStart;
  if (start) start.stopped = true;
  const thread = webhookThread();
  setWebhookThread(undefined);
  if (thread instanceof ApplyThread) await thread.close();
}
