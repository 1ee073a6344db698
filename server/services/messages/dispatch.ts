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
  for (let i = 0; i < messages.length; i += DISPATCH_CHUNK) {
    const ids = messages.slice(i, i + DISPATCH_CHUNK).map((m) => m.id);
    track(
      // Loaded on first use: the job functions import this module and should not pay for the provider SDKs.
      import("./deliver")
        .then(({ deliverMessages }) => deliverMessages(deps, ids))
        .catch((error: unknown) => {
        logger.error({ err: error, count: ids.length }, "in-process delivery failed; the sweep will retry these messages");
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
