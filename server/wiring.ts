import { inngest } from "@/inngest/client";
import { messageDispatchRequested } from "@/inngest/events";
import { getEnv, type Env } from "@/server/lib/env";
import { createEmailTransports } from "@/server/providers/email";
import { createSmsTransports } from "@/server/providers/sms";
import {
  createEventDispatcher,
  createInProcessDispatcher,
  createOutbox,
  fallbackOnFinalFailure,
  type Outbox,
  type QueuedMessage,
  type Transports,
} from "@/server/services/messages";

/**
 * The composition root of delivery: the one module that chooses the providers (from the
 * environment), the dispatcher (in-process, or events to an Inngest server) and the final-failure
 * handling (channel fallback), and builds the outbox from them. Nothing registers itself by being
 * imported: start-up (`server/boot.ts`) builds the outbox here, and every context (tRPC, REST,
 * route handlers, jobs) carries `getOutbox()` down to the services as `ctx.outbox`.
 */

/** Hands events to the job system; the default posts them to the Inngest server. Tests pass their own (no network). */
export type SendEvents = (events: ReturnType<typeof messageDispatchRequested.create>[]) => Promise<unknown>;

export interface BuildOutboxOptions {
  env?: Env;
  /** Replaces the transports chosen from the environment (tests: stubs that record). */
  transports?: Transports;
  /** With an Inngest server configured, how dispatch events are sent (default: `inngest.send`). */
  sendEvents?: SendEvents;
}

/** The transports the environment names: the configured provider of each channel, else the log transport. */
export function createTransports(env: Env = getEnv()): Transports {
  const email = createEmailTransports(env);
  const sms = createSmsTransports(env);
  return { email: email.sender, sms: sms.sender, receivers: [...email.receivers, ...sms.receivers] };
}

/**
 * Builds an outbox for this configuration. The dispatcher is chosen here and only here: with an
 * Inngest server configured (`INNGEST_EVENT_KEY`, `INNGEST_SIGNING_KEY`, `INNGEST_BASE_URL` or
 * `INNGEST_DEV`), one `messages/dispatch.requested` event per message (event id
 * `dispatch-<messageId>`, so a repeat starts nothing), delivered by the `dispatch-message`
 * function; otherwise in this process.
 */
export function buildOutbox(options: BuildOutboxOptions = {}): Outbox {
  const env = options.env ?? getEnv();
  const sendEvents: SendEvents = options.sendEvents ?? ((events) => inngest.send(events));
  const dispatcher = env.isInngestServerConfigured
    ? createEventDispatcher((messages: QueuedMessage[]) =>
        sendEvents(
          messages.map((m) =>
            messageDispatchRequested.create(
              { messageId: m.id, workspaceId: m.workspaceId },
              { id: `dispatch-${m.id}` },
            ),
          ),
        ),
      )
    : createInProcessDispatcher();
  return createOutbox({
    transports: options.transports ?? createTransports(env),
    dispatcher,
    onFinalFailure: fallbackOnFinalFailure,
  });
}

// On globalThis because Next may load this module twice (instrumentation and route bundles): one
// outbox per process, so one dispatch queue and one set of provider clients.
const globalForOutbox = globalThis as unknown as { __optinOutbox?: { outbox: Outbox; env?: Env } };

/**
 * The process's outbox: the one installed (start-up, tests), else one built from the environment
 * on first use. Built from the environment, it follows it: after `resetEnv()` (tests and scripts
 * only; a server never changes its environment) the next call builds a new one.
 */
export function getOutbox(): Outbox {
  const current = globalForOutbox.__optinOutbox;
  if (current && !current.env) return current.outbox;
  const env = getEnv();
  if (current?.env === env) return current.outbox;
  const outbox = buildOutbox({ env });
  globalForOutbox.__optinOutbox = { outbox, env };
  return outbox;
}

/**
 * Makes `outbox` the process's outbox, whatever the environment says (start-up after building it,
 * tests with stub transports); `undefined` goes back to building one from the environment.
 */
export function installOutbox(outbox: Outbox | undefined): void {
  globalForOutbox.__optinOutbox = outbox ? { outbox } : undefined;
}
