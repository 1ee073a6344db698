import type { DeliveryDeps, QueuedMessage } from "./outbox";

/**
 * Starts delivery of messages that were just committed as `queued`, without waiting for it (the
 * API answers at once; the send benchmark measures accepted → handed to the transport), through
 * the dispatcher of `ctx.outbox`: in this process, or one event per message to the job system.
 * Either way the per-minute sweep (`dispatch-sweep`) delivers anything this missed (a crash
 * between commit and dispatch, an event that could not be sent). Call it after commit only:
 * inside a caller's transaction it does nothing (the sweep picks those up).
 */
export function dispatchMessages({ ctx, input }: { ctx: DeliveryDeps; input: { messages: QueuedMessage[] } }): void {
  ctx.outbox.dispatch(ctx, input.messages);
}
