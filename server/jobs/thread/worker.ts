/**
 * Worker-thread entry of the background thread (bundled by esbuild, see
 * server/lib/worker-bundles.ts; started by start.ts when the server runs on PostgreSQL). It owns
 * its own small connection pool to the same database and runs the work made of many sequential
 * round trips:
 *
 * - webhook calls, read by the main thread and taken here whole: delivery events verified, parsed
 *   and stored (`receiveDeliveryWebhook`, group-committed with each other), texts to our numbers
 *   verified and parsed, keywords (STOP, START, HELP…) acted on and plain replies stored
 *   (`receiveInboundWebhook`); the answers (the TwiML reply included) go back in batches;
 * - the webhook drain loop (`wakeWebhookDrain` / `drainWebhookEvents`), woken here when a call
 *   stored something new;
 * - in-process delivery: the messages the main thread's dispatcher hands over go through this
 *   thread's own outbox (same transports, built from the same environment) and its in-process
 *   dispatcher (`deliverMessages` in groups, final-failure fallback included).
 *
 * Their statements and their JavaScript no longer wait behind the requests queued on the main
 * thread's event loop. The code is the same as on the main thread; only the thread differs.
 * Secrets arrive in `workerData` (installed where `getSecrets()` looks first).
 */
import { parentPort, workerData } from "node:worker_threads";
import { ZodError } from "zod";
import { createDbHandle } from "@/db/client";
import { systemClock } from "@/server/lib/clock";
import { AppError } from "@/server/lib/errors";
import type { Secrets } from "@/server/lib/secrets";
import { toWorkerError } from "@/server/lib/worker-errors";
import { BACKGROUND_THREAD_APPLICATION_NAME } from "@/server/services/background-thread";
import {
  bufferedWebhookRequest,
  receiveDeliveryWebhook,
  receiveInboundWebhook,
  wakeWebhookDrain,
  webhookDrainActive,
  webhookDrainIdle,
} from "@/server/services/webhooks";
import { buildOutbox } from "@/server/wiring";
import type { WebhookAnswer, WebhookCall, ThreadRequest, ThreadResponse, ThreadWorkerData } from "./start";

const data = workerData as ThreadWorkerData;
(globalThis as unknown as { __optinSecrets?: Secrets }).__optinSecrets = {
  appSecret: data.appSecret,
  encryptionKeys: data.encryptionKeys.map((k) => ({ id: k.id, key: Buffer.from(k.key) })),
};

async function main(): Promise<void> {
  const port = parentPort!;
  // postgres.js connects on the first query: the handle is ready at once, so every message below
  // acts in the order it arrived (a question about idleness comes after the work posted before it).
  const handle = await createDbHandle({
    databaseUrl: data.databaseUrl,
    maxConnections: data.maxConnections,
    applicationName: BACKGROUND_THREAD_APPLICATION_NAME,
  });
  // This thread's own outbox: no background thread is installed here, so it delivers in process.
  const outbox = buildOutbox();
  const post = (message: ThreadResponse) => port.postMessage(message);
  const context = (requestId?: string) => ({ db: handle.db, now: systemClock, outbox, requestId });

  /** Tells the main thread whether the drain loop is busy (its minute job stands aside meanwhile). */
  let reportedActive = false;
  function reportDrainState(): void {
    const active = webhookDrainActive();
    if (active !== reportedActive) {
      reportedActive = active;
      post({ type: "drain-state", active });
    }
    if (active)
      void webhookDrainIdle().then(() => {
        if (!webhookDrainActive()) reportDrainState();
      });
  }

  /** Answers finished in the same turn of this event loop go back as one message at its end. */
  let answers: WebhookAnswer[] = [];
  let answerFlush: ReturnType<typeof setImmediate> | null = null;
  function answer(webhook: WebhookAnswer): void {
    answers.push(webhook);
    answerFlush ??= setImmediate(() => {
      answerFlush = null;
      const batch = answers;
      answers = [];
      post({ type: "webhooks", answers: batch });
    });
  }
  let receiving = 0;
  let received: (() => void) | null = null;
  const wakeDrain = () => {
    wakeWebhookDrain(context());
    reportDrainState();
  };
  /** One call, as the route would take it on the main thread (invalid input → AppError INVALID, a 400 there). */
  async function take({ kind, call }: WebhookCall) {
    const input = { provider: call.provider, request: bufferedWebhookRequest(call), onStored: wakeDrain };
    try {
      return kind === "delivery"
        ? await receiveDeliveryWebhook({ ctx: context(call.requestId), input })
        : await receiveInboundWebhook({ ctx: context(call.requestId), input });
    } catch (error) {
      if (error instanceof ZodError) throw new AppError("INVALID", "invalid webhook call");
      throw error;
    }
  }

  port.on("message", (request: ThreadRequest) => {
    switch (request.type) {
      case "webhooks":
        for (const webhook of request.calls) {
          const { id } = webhook;
          receiving += 1;
          void take(webhook)
            .then(
              (response) => answer({ id, ok: true, answer: response }),
              (error: unknown) => answer({ id, ok: false, error: toWorkerError(error) }),
            )
            .finally(() => {
              receiving -= 1;
              if (receiving === 0) received?.();
            });
        }
        return;
      case "wake":
        wakeDrain();
        return;
      case "deliver":
        outbox.dispatcher.dispatch(context(), request.messages);
        return;
      case "idle":
        void webhookDrainIdle().then(() => post({ type: "idle", id: request.id }));
        return;
      case "delivery-idle":
        void outbox.idle().then(
          () => post({ type: "idle", id: request.id }),
          () => post({ type: "idle", id: request.id }),
        );
        return;
      case "close":
        void (async () => {
          if (receiving > 0) await new Promise<void>((resolve) => (received = resolve));
          await webhookDrainIdle();
          await outbox.idle();
          await handle.close();
          post({ type: "closed" });
        })();
        return;
    }
  });

  post({ type: "ready" });
}

void main();
