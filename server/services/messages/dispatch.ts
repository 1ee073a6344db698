import { getEnv } from "@/server/lib/env";
import { logger } from "@/server/lib/logger";
import type { DeliveryDeps } from "./deliver";

/** Hands messages to an external job system (one event per message); registered by inngest/functions/dispatch-message.ts. */
export type EventDispatcher = (messages: { id: string; workspaceId: string }[]) => Promise<unknown>;

const globalForDispatch = globalThis as unknown as { __optinDispatches?: Set<Promise<unknown>>; __optinEventDispatcher?: EventDispatcher };
const inflight = (globalForDispatch.__optinDispatches ??= new Set());

/** Services know nothing of Inngest: the job layer registers how to send dispatch events. */
export function setEventDispatcher(dispatcher: EventDispatcher | undefined): void {
  globalForDispatch.__optinEventDispatcher = dispatcher;
}

/** Messages handed to one in-process delivery call (the claim is one statement per call). */
const DISPATCH_CHUNK = 200;

/**
 * Starts delivery of messages that were just committed as `queued`, without waiting for it
 * (the API answers at once; the send benchmark measures accepted → handed to the transport).
 * - No Inngest server: delivered in this process, fire and forget.
 * - Inngest server (and its dispatcher registered): one `messages/dispatch.requested` event per
 *   message (event id `dispatch-<messageId>`, so a repeat starts nothing), handled by
 *   `dispatch-message`.
 * Either way the per-minute sweep (`dispatch-sweep`) delivers anything this missed (a crash
 * between commit and dispatch, an event that could not be sent). Call it after commit only:
 * never with a transaction's ids that may still roll back.
 */
export function dispatchMessages(deps: DeliveryDeps, messages: { id: string; workspaceId: string }[]): void {
  if (messages.length === 0) return;
  if ("rollback" in deps.db) {
    // Inside a caller's transaction nothing is committed yet: the sweep picks these up.
    return;
  }
  const eventDispatcher = globalForDispatch.__optinEventDispatcher;
  if (getEnv().isInngestServerConfigured && eventDispatcher) {
    track(
      eventDispatcher(messages).catch((error: unknown) => {
        logger.warn({ err: error, count: messages.length }, "could not send dispatch events; the sweep will deliver these messages");
      }),
    );
    return;
  }
  enqueue(deps, messages.map((m) => m.id));
}

/**
 * In-process delivery collects the ids committed within DISPATCH_WINDOW_MS into one
 * `deliverMessages` call per DISPATCH_CHUNK ids: the claim, the late opt-out check and the
 * recording of sent messages are set-based, so under load a handful of sends share each of those
 * statements instead of paying for them one by one. Grouped by database handle and clock.
 */
const DISPATCH_WINDOW_MS = 3;

interface Queue {
  groups: Map<DeliveryDeps["db"], Map<DeliveryDeps["now"], string[]>>;
  timer?: ReturnType<typeof setTimeout>;
  flushed?: () => void;
}

const globalForQueue = globalThis as unknown as { __optinDispatchQueue?: Queue };
const queue: Queue = (globalForQueue.__optinDispatchQueue ??= { groups: new Map() });

function enqueue(deps: DeliveryDeps, ids: string[]): void {
  let byClock = queue.groups.get(deps.db);
  if (!byClock) queue.groups.set(deps.db, (byClock = new Map()));
  const list = byClock.get(deps.now) ?? [];
  byClock.set(deps.now, list);
  for (const id of ids) list.push(id);
  if (list.length >= DISPATCH_CHUNK) {
    byClock.delete(deps.now);
    deliverInChunks({ db: deps.db, now: deps.now }, list);
  }
  if (!queue.timer && queue.groups.size > 0) {
    // Tracked, so waitForDispatches() also waits for ids still waiting for the window to close.
    track(new Promise<void>((resolve) => (queue.flushed = resolve)));
    queue.timer = setTimeout(flush, DISPATCH_WINDOW_MS);
  }
}

function flush(): void {
  const groups = queue.groups;
  const done = queue.flushed;
  queue.groups = new Map();
  queue.timer = undefined;
  queue.flushed = undefined;
  for (const [db, byClock] of groups) for (const [now, ids] of byClock) if (ids.length > 0) deliverInChunks({ db, now }, ids);
  done?.();
}

function deliverInChunks(deps: DeliveryDeps, ids: string[]): void {
  for (let i = 0; i < ids.length; i += DISPATCH_CHUNK) {
    const chunk = ids.slice(i, i + DISPATCH_CHUNK);
    track(
      // Loaded on first use: the job functions import this module and should not pay for the provider SDKs.
      import("./deliver")
        .then(({ deliverMessages }) => deliverMessages(deps, chunk))
        .catch((error: unknown) => {
          logger.error({ err: error, count: chunk.length }, "in-process delivery failed; the sweep will retry these messages");
        }),
    );
  }
}

function track(promise: Promise<unknown>): void {
  inflight.add(promise);
  void promise.finally(() => inflight.delete(promise));
}

/** Tests and shutdown: resolves when every in-process dispatch started so far has finished. */
export async function waitForDispatches(): Promise<void> {
  while (inflight.size > 0) await Promise.allSettled([...inflight]);
}
