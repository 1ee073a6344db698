import type { Queryable } from "@/db/client";
import type { MessageRow } from "@/db/schema";
import type { Clock } from "@/server/lib/clock";
import { logger } from "@/server/lib/logger";
import type { EmailTransport } from "@/server/providers/email/types";
import type { SmsTransport } from "@/server/providers/sms/types";
import type { JobContext } from "../context";

/** The transports messages go through, one per channel. */
export interface Transports {
  email: EmailTransport;
  sms: SmsTransport;
  /**
   * Every provider whose webhooks are answered, found by name (the URL segment of
   * `/api/webhooks/<name>/…`). A provider may receive without sending now (events about messages it
   * sent before; inbound texts). Defaults to `email` and `sms`.
   */
  receivers?: readonly (EmailTransport | SmsTransport)[];
}

/** What delivery needs: a job's context (the database, the clock) and the outbox (transports, dispatcher, final-failure handling). */
export type DeliveryDeps = JobContext & { outbox: Outbox };

/** A message committed as `queued`, to be delivered. */
export interface QueuedMessage {
  id: string;
  workspaceId: string;
}

/**
 * Starts delivery of committed messages: in this process (`createInProcessDispatcher`), or by
 * handing them to an external job system (`createEventDispatcher`), which then calls
 * `deliverMessages`. Never throws; what it could not start is delivered by the sweep.
 */
export interface Dispatcher {
  readonly mode: "in-process" | "events";
  dispatch(deps: DeliveryDeps, messages: QueuedMessage[]): void;
  /** Resolves when every dispatch started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
}

/**
 * Called once a message has failed for good (a final provider error, retries exhausted, a block
 * found at delivery, or a failure a webhook reported after the hand-over), after the transaction
 * that recorded it committed. The application passes the channel fallback (`fallbackOnFinalFailure`).
 */
export type FinalFailureHandler = (deps: DeliveryDeps, message: MessageRow) => Promise<void>;

/**
 * The outbox: built once at start-up by the composition root (`server/wiring.ts`) and passed down
 * in the service context (`ctx.outbox`), so every step of a message (record, dispatch, deliver,
 * fallback, webhooks) uses the same transports and dispatcher, whatever was imported first.
 * Tests build their own with stub transports.
 */
export interface Outbox {
  readonly transports: Transports;
  readonly dispatcher: Dispatcher;
  /**
   * Starts delivery of messages just committed as `queued`, without waiting for it. Call it after
   * commit only: inside a transaction (nothing committed yet) it does nothing and the sweep
   * delivers them.
   */
  dispatch(deps: { db: Queryable; now: Clock }, messages: QueuedMessage[]): void;
  /** Runs the final-failure handler for a message that failed for good; never throws (a failure is logged). */
  finalFailure(deps: { db: Queryable; now: Clock }, message: MessageRow): Promise<void>;
  /** The transport answering webhooks for the provider `name`, or undefined. */
  receiver(name: string): EmailTransport | SmsTransport | undefined;
  /** Resolves when every dispatch started so far (and what it started) has finished. */
  idle(): Promise<void>;
  /**
   * How delivery waits for a sending window to open (a few seconds at most, see `deliverMessages`):
   * a timer by default; tests pass one that moves their clock instead.
   */
  sleep(ms: number): Promise<void>;
}

const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export function createOutbox(parts: {
  transports: Transports;
  dispatcher: Dispatcher;
  onFinalFailure: FinalFailureHandler;
  /** See `Outbox.sleep`; default: a timer. */
  sleep?: (ms: number) => Promise<void>;
}): Outbox {
  const { transports, dispatcher, onFinalFailure } = parts;
  const receivers = transports.receivers ?? [transports.email, transports.sms];
  const followUps = new Set<Promise<unknown>>();
  const outbox: Outbox = {
    transports,
    dispatcher,
    dispatch(deps, messages) {
      if (messages.length === 0 || "rollback" in deps.db) return;
      dispatcher.dispatch({ db: deps.db, now: deps.now, outbox }, messages);
    },
    async finalFailure(deps, message) {
      const work = Promise.resolve()
        .then(() => onFinalFailure({ db: deps.db, now: deps.now, outbox }, message))
        .catch((error: unknown) => {
          logger.error({ err: error, messageId: message.id }, "the final-failure handling of a message failed");
        });
      followUps.add(work);
      try {
        await work;
      } finally {
        followUps.delete(work);
      }
    },
    receiver(name) {
      return receivers.find((transport) => transport.name === name);
    },
    async idle() {
      for (;;) {
        await Promise.allSettled([...followUps]);
        await dispatcher.idle();
        if (followUps.size === 0) return;
      }
    },
    sleep: parts.sleep ?? timerSleep,
  };
  return outbox;
}
