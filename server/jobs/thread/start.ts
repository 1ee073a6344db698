import { Worker } from "node:worker_threads";
import { logger } from "@/server/lib/logger";
import { getSecrets } from "@/server/lib/secrets";
import { workerBundlePath } from "@/server/lib/worker-bundles";
import { fromWorkerError, type WorkerError } from "@/server/lib/worker-errors";
import {
  backgroundThread,
  BackgroundThreadGone,
  setBackgroundThread,
  type BackgroundThread,
  type BufferedWebhookCall,
  type QueuedMessage,
  type WebhookKind,
  type WebhookResponse,
} from "@/server/services/background-thread";

export interface ThreadWorkerData {
  databaseUrl: string;
  maxConnections: number;
  appSecret: string;
  encryptionKeys: { id: string; key: Uint8Array }[];
}

export type ThreadRequest =
  | { type: "webhooks"; calls: WebhookCall[] }
  | { type: "wake" }
  | { type: "idle"; id: number }
  | { type: "deliver"; messages: QueuedMessage[] }
  | { type: "delivery-idle"; id: number }
  | { type: "close" };

export type ThreadResponse =
  | { type: "ready" }
  | { type: "webhooks"; answers: WebhookAnswer[] }
  | { type: "drain-state"; active: boolean }
  | { type: "idle"; id: number }
  | { type: "closed" };

/** One webhook call handed to the thread (`webhooks`, in batches). */
export interface WebhookCall {
  id: number;
  kind: WebhookKind;
  call: BufferedWebhookCall;
}

/** The thread's answer to one webhook call (`webhooks`, in batches). */
export type WebhookAnswer =
  { id: number; ok: true; answer: WebhookResponse | null } | { id: number; ok: false; error: WorkerError };

/**
 * Connections of the thread's own pool: keywords arrive a few at a time, the drain uses one, and
 * deliveries of consecutive dispatch windows overlap a little.
 */
const THREAD_CONNECTIONS = 6;
/** First wait before starting a thread again after it stopped unexpectedly; doubles up to the cap. */
const RESTART_DELAY_MS = 1_000;
const RESTART_DELAY_CAP_MS = 60_000;
/** Wake-ups, and messages to deliver, within this window go to the thread as one message. */
const COALESCE_MS = 3;

export interface StartBackgroundThreadOptions {
  databaseUrl: string;
  /** The process's database handle (`getDbHandle().db`): only work on it goes to the thread. */
  db: object;
  maxConnections?: number;
}

/**
 * The background thread (see worker.ts): a worker thread with its own connection pool that
 * takes the webhook calls the main thread read (verify, parse, store delivery events and plain
 * replies, act on keywords), runs the webhook drain and delivers what this process dispatches in
 * process, so their round trips and their JavaScript do not queue behind the requests on the main
 * thread's event loop. Only on PostgreSQL (an embedded PGlite belongs to one thread).
 *
 * If the thread stops unexpectedly, the webhook calls waiting on it are taken on the main thread
 * instead, from the body already read (an event or a text the thread had stored is found as a
 * duplicate: a keyword claims its MessageSid in its transaction, so one the thread had committed
 * is not applied twice), messages handed to it are delivered by the sweep (they are committed
 * `queued`, or `sending` and replayed with the same idempotency key), and a new thread is started
 * after a back-off.
 */
class ThreadHost implements BackgroundThread {
  private readonly receiving = new Map<
    number,
    { resolve: (v: WebhookResponse | null) => void; reject: (e: Error) => void }
  >();
  private readonly waiters = new Map<number, () => void>();
  private nextId = 1;
  private active = false;
  private gone = false;
  private closing = false;
  private closed: (() => void) | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private wakePending = false;
  private toDeliver: QueuedMessage[] = [];
  private toReceive: WebhookCall[] = [];
  private receiveFlush: ReturnType<typeof setImmediate> | null = null;

  constructor(
    private readonly worker: Worker,
    readonly db: object,
    private readonly onGone: () => void,
  ) {
    worker.on("message", (message: ThreadResponse) => this.receive(message));
    worker.on("error", (error) => {
      logger.error({ error: error.name }, "background thread failed");
      this.stop();
    });
    worker.on("exit", (code) => {
      if (!this.closing) logger.error({ code }, "background thread exited");
      this.stop();
    });
    // The server's lifetime is decided elsewhere: this thread never keeps the process up.
    worker.unref();
  }

  get drainActive(): boolean {
    return this.active && !this.gone;
  }

  /**
   * Calls that arrive in the same turn of the event loop go as one message at its end: no added
   * wait, and under load one structured clone for many calls.
   */
  receiveWebhook(kind: WebhookKind, call: BufferedWebhookCall): Promise<WebhookResponse | null> {
    if (this.gone) return Promise.reject(new BackgroundThreadGone());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.receiving.set(id, { resolve, reject });
      this.toReceive.push({ id, kind, call });
      this.receiveFlush ??= setImmediate(() => this.flushReceived());
    });
  }

  private flushReceived(): void {
    if (this.receiveFlush) clearImmediate(this.receiveFlush);
    this.receiveFlush = null;
    if (this.gone || this.toReceive.length === 0) return;
    const calls = this.toReceive;
    this.toReceive = [];
    this.post({ type: "webhooks", calls });
  }

  wake(): void {
    if (this.gone) return;
    // Reported as active at once, so the minute job stands aside even before the thread answers.
    this.active = true;
    this.wakePending = true;
    this.scheduleFlush();
  }

  deliver(messages: QueuedMessage[]): boolean {
    if (this.gone) return false;
    for (const message of messages) this.toDeliver.push({ id: message.id, workspaceId: message.workspaceId });
    this.scheduleFlush();
    return true;
  }

  idle(): Promise<void> {
    return this.ask("idle");
  }

  deliveryIdle(): Promise<void> {
    return this.ask("delivery-idle");
  }

  /** Lets the drain and the deliveries finish, closes the thread's pool, and ends the thread. */
  async close(): Promise<void> {
    if (this.gone) return;
    this.flushReceived();
    this.flush();
    this.closing = true;
    await new Promise<void>((resolve) => {
      this.closed = resolve;
      this.post({ type: "close" });
      setTimeout(resolve, 10_000).unref();
    });
    await this.worker.terminate();
    this.stop();
  }

  /**
   * One message for everything of a few milliseconds: posting one per acknowledgement or per send
   * cost a few percent of the main thread under load (structured clone, transfer set-up).
   */
  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), COALESCE_MS);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.gone) return;
    if (this.toDeliver.length > 0) {
      const messages = this.toDeliver;
      this.toDeliver = [];
      this.post({ type: "deliver", messages });
    }
    if (this.wakePending) {
      this.wakePending = false;
      this.post({ type: "wake" });
    }
  }

  /** Posts what is waiting, then a question the thread answers once it is idle (messages arrive in order). */
  private ask(type: "idle" | "delivery-idle"): Promise<void> {
    if (this.gone) return Promise.resolve();
    this.flushReceived();
    this.flush();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiters.set(id, resolve);
      this.post({ type, id });
    });
  }

  private post(request: ThreadRequest): void {
    try {
      this.worker.postMessage(request);
    } catch (error) {
      logger.error({ error: (error as Error).name }, "background thread unreachable");
      this.stop();
    }
  }

  private receive(message: ThreadResponse): void {
    switch (message.type) {
      case "webhooks":
        for (const answer of message.answers) {
          const waiter = this.receiving.get(answer.id);
          this.receiving.delete(answer.id);
          if (!waiter) continue;
          if (answer.ok) waiter.resolve(answer.answer);
          else waiter.reject(fromWorkerError(answer.error));
        }
        return;
      case "drain-state":
        this.active = message.active;
        return;
      case "idle":
        this.waiters.get(message.id)?.();
        this.waiters.delete(message.id);
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
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.toDeliver.length > 0)
      logger.warn({ count: this.toDeliver.length }, "background thread gone; the sweep delivers its messages");
    this.toDeliver = [];
    if (this.receiveFlush) clearImmediate(this.receiveFlush);
    this.receiveFlush = null;
    this.toReceive = [];
    for (const waiter of this.receiving.values()) waiter.reject(new BackgroundThreadGone());
    this.receiving.clear();
    for (const resolve of this.waiters.values()) resolve();
    this.waiters.clear();
    this.onGone();
  }
}

const globalForStart = globalThis as unknown as {
  __optinBackgroundThreadStart?: { options: StartBackgroundThreadOptions; restartDelayMs: number; stopped: boolean };
};

/**
 * Starts the background thread and installs it for this process (boot, on PostgreSQL). Returns
 * false, leaving all of that work on the main thread, when no worker bundle can be found or built
 * or the thread does not start.
 */
export async function startBackgroundThread(options: StartBackgroundThreadOptions): Promise<boolean> {
  if (backgroundThread()) return true;
  globalForStart.__optinBackgroundThreadStart = { options, restartDelayMs: RESTART_DELAY_MS, stopped: false };
  return spawn(options);
}

async function spawn(options: StartBackgroundThreadOptions): Promise<boolean> {
  const file = await workerBundlePath("background");
  if (!file) return false;
  const secrets = getSecrets();
  const workerData: ThreadWorkerData = {
    databaseUrl: options.databaseUrl,
    maxConnections: options.maxConnections ?? THREAD_CONNECTIONS,
    appSecret: secrets.appSecret,
    encryptionKeys: secrets.encryptionKeys.map((k) => ({ id: k.id, key: new Uint8Array(k.key) })),
  };
  let worker: Worker;
  try {
    worker = new Worker(file, { workerData, stdout: false, stderr: false });
  } catch (error) {
    logger.error(
      { error: (error as Error).name },
      "background thread could not start; its work runs on the main thread",
    );
    return false;
  }
  let installed = false;
  const thread = new ThreadHost(worker, options.db, () => {
    if (backgroundThread() === thread) setBackgroundThread(undefined);
    const start = globalForStart.__optinBackgroundThreadStart;
    // A thread that never got ready (a broken bundle) is not started again and again.
    if (!installed || !start || start.stopped) return;
    const delay = start.restartDelayMs;
    start.restartDelayMs = Math.min(delay * 2, RESTART_DELAY_CAP_MS);
    setTimeout(() => {
      if (!start.stopped && !backgroundThread()) void spawn(start.options);
    }, delay).unref();
  });
  const ready = await new Promise<boolean>((resolve) => {
    worker.once("message", (message: ThreadResponse) => resolve(message.type === "ready"));
    worker.once("exit", () => resolve(false));
  });
  if (!ready) return false;
  installed = true;
  setBackgroundThread(thread);
  // Left over from before a restart (or stored by a call that fell back to the main thread).
  thread.wake();
  return true;
}

/** Stops the thread for good (shutdown, tests): its drain and deliveries finish first. */
export async function stopBackgroundThread(): Promise<void> {
  const start = globalForStart.__optinBackgroundThreadStart;
  if (start) start.stopped = true;
  const thread = backgroundThread();
  setBackgroundThread(undefined);
  if (thread instanceof ThreadHost) await thread.close();
}
