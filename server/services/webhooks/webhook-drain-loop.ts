import { logger } from "@/server/lib/logger";
import type { PublicContext } from "../context";
import { drainWebhookEvents } from "./drain-webhook-events";
import { backgroundThread } from "../background-thread";

/**
 * How long the loop waits after a wake-up before draining: the events of the requests arriving
 * meanwhile are applied in the same batches (fewer transactions, less CPU taken from the acks),
 * at the cost of this much lag.
 */
export const WEBHOOK_DRAIN_DEBOUNCE_MS = 50;

interface LoopState {
  timer: ReturnType<typeof setTimeout> | null;
  running: Promise<void> | null;
  /** A wake-up came while a drain ran: drain again when it ends. */
  again: boolean;
  ctx: PublicContext | null;
}

// One loop per process, even when Next loads this module twice (see docs/development.md).
const globalForDrain = globalThis as unknown as { __optinWebhookDrain?: LoopState };
const state = (globalForDrain.__optinWebhookDrain ??= { timer: null, running: null, again: false, ctx: null });

/**
 * Wakes the in-process webhook drain after delivery events were stored: never blocks the caller
 * (the acknowledgement). The first wake-up schedules a drain `WEBHOOK_DRAIN_DEBOUNCE_MS` later;
 * wake-ups until then join it; a wake-up during a drain makes it run once more at its end. A
 * failed drain is logged; the minute job (`webhook-drain`) drains whatever is left, as it does
 * after a crash or for events stored by another instance.
 *
 * When the background thread runs for this database (server/jobs/thread, on PostgreSQL), the
 * wake-up goes to the loop on that thread instead, which drains with its own connections.
 */
export function wakeWebhookDrain(ctx: PublicContext): void {
  const thread = backgroundThread(ctx.db);
  if (thread) {
    thread.wake();
    return;
  }
  state.ctx = ctx;
  if (state.running) {
    state.again = true;
    return;
  }
  if (state.timer) return;
  state.timer = setTimeout(run, WEBHOOK_DRAIN_DEBOUNCE_MS);
  state.timer.unref?.();
}

function run(): void {
  state.timer = null;
  const ctx = state.ctx;
  if (!ctx) return;
  state.again = false;
  state.running = drainWebhookEvents({ ctx })
    .then(
      () => undefined,
      (error: unknown) => {
        // A deadlock with another drain (or a serialization failure) rolled the batch back whole:
        // try again at once; anything else waits for the next wake-up or the minute job.
        const code =
          (error as { cause?: { code?: string }; code?: string }).cause?.code ?? (error as { code?: string }).code;
        if (code === "40P01" || code === "40001") state.again = true;
        else logger.error({ err: error }, "webhook drain failed; the minute job will retry");
      },
    )
    .finally(() => {
      state.running = null;
      if (state.again) wakeWebhookDrain(ctx);
    });
}

/** Resolves once no drain is scheduled or running, here or on the background thread (tests and shutdown). */
export async function webhookDrainIdle(): Promise<void> {
  await backgroundThread()?.idle();
  while (state.timer || state.running) {
    if (state.running) await state.running;
    else await new Promise((resolve) => setTimeout(resolve, WEBHOOK_DRAIN_DEBOUNCE_MS));
  }
}

/**
 * Whether this process's drain is scheduled or running. The minute job skips its own drain then:
 * the loop drains every applicable event (not only those its wake-ups stored) until a batch comes
 * back short, and a second drain beside it in the same process would only wait on the same
 * messages' row locks.
 */
export function webhookDrainActive(): boolean {
  return Boolean(state.timer || state.running || backgroundThread()?.drainActive);
}
