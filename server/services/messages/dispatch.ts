import type { Queryable } from "@/db/client";
import { systemClock, type Clock } from "@/server/lib/clock";
import { logger } from "@/server/lib/logger";
import { backgroundThread } from "../background-thread";
import { deliverMessages } from "./deliver";
import type { DeliveryDeps, Dispatcher, Outbox, QueuedMessage } from "./outbox";

/** Messages handed to one in-process delivery call (the claim is one statement per call). */
const DISPATCH_CHUNK = 200;

/**
 * In-process delivery collects the ids committed within DISPATCH_WINDOW_MS into one
 * `deliverMessages` call per DISPATCH_CHUNK ids: the claim, the late opt-out check and the
 * recording of sent messages are set-based, so under load a handful of sends share each of those
 * statements instead of paying for them one by one. Grouped by database handle and clock.
 */
const DISPATCH_WINDOW_MS = 3;

/** Tracks promises so `idle()` can wait for them (and for any started while it waits). */
function tracker() {
  const inflight = new Set<Promise<unknown>>();
  return {
    track(promise: Promise<unknown>): void {
      inflight.add(promise);
      void promise.finally(() => inflight.delete(promise));
    },
    async idle(): Promise<void> {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
  };
}

/**
 * The dispatcher used when no job server is configured: delivers in this process, fire and
 * forget, in groups (see DISPATCH_WINDOW_MS). Its queue belongs to the instance (the outbox).
 * When the background thread runs for this database (PostgreSQL, see background-thread.ts), the
 * messages are handed to it and delivered there, with the same code, off the request path's
 * event loop; `idle()` waits for the thread's deliveries too.
 */
export function createInProcessDispatcher(): Dispatcher {
  const { track, idle } = tracker();
  let groups = new Map<Queryable, Map<Clock, { outbox: Outbox; ids: string[] }>>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushed: (() => void) | undefined;

  const deliverInChunks = (deps: DeliveryDeps, ids: string[]) => {
    for (let i = 0; i < ids.length; i += DISPATCH_CHUNK) {
      const chunk = ids.slice(i, i + DISPATCH_CHUNK);
      track(
        deliverMessages({ ctx: deps, input: { messageIds: chunk } }).catch((error: unknown) => {
          logger.error(
            { err: error, count: chunk.length },
            "in-process delivery failed; the sweep will retry these messages",
          );
        }),
      );
    }
  };

  const flush = () => {
    const due = groups;
    const done = flushed;
    groups = new Map();
    timer = undefined;
    flushed = undefined;
    for (const [db, byClock] of due)
      for (const [now, { outbox, ids }] of byClock) if (ids.length > 0) deliverInChunks({ db, now, outbox }, ids);
    done?.();
  };

  return {
    mode: "in-process",
    dispatch(deps, messages) {
      if (messages.length === 0) return;
      // Real time only: a test's clock belongs to this thread.
      const thread = deps.now === systemClock ? backgroundThread(deps.db) : undefined;
      if (thread?.deliver(messages)) return;
      let byClock = groups.get(deps.db);
      if (!byClock) groups.set(deps.db, (byClock = new Map()));
      const group = byClock.get(deps.now) ?? { outbox: deps.outbox, ids: [] };
      byClock.set(deps.now, group);
      for (const message of messages) group.ids.push(message.id);
      if (group.ids.length >= DISPATCH_CHUNK) {
        byClock.delete(deps.now);
        deliverInChunks(deps, group.ids);
      }
      if (!timer && groups.size > 0) {
        // Tracked, so idle() also waits for ids still waiting for the window to close.
        track(new Promise<void>((resolve) => (flushed = resolve)));
        timer = setTimeout(flush, DISPATCH_WINDOW_MS);
      }
    },
    async idle() {
      await backgroundThread()?.deliveryIdle();
      await idle();
    },
  };
}

/**
 * The dispatcher used with an external job system: `send` hands the messages over (one event per
 * message, idempotent per message id), and the job calls `deliverMessages`. A failed hand-over
 * is logged; the sweep delivers those messages.
 */
export function createEventDispatcher(send: (messages: QueuedMessage[]) => Promise<unknown>): Dispatcher {
  const { track, idle } = tracker();
  return {
    mode: "events",
    dispatch(_deps, messages) {
      track(
        Promise.resolve()
          .then(() => send(messages))
          .catch((error: unknown) => {
            logger.warn(
              { err: error, count: messages.length },
              "could not send dispatch events; the sweep will deliver these messages",
            );
          }),
      );
    },
    idle,
  };
}
