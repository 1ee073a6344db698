/**
 * Worker-thread entry of the background thread (bundled by esbuild, see
 * server/lib/worker-bundles.ts; started by start.ts when the server runs on PostgreSQL). It owns
 * its own small connection pool to the same database and runs the work made of many sequential
 * round trips:
 *
 * - inbound keywords (STOP, START, HELP…) through `handleInboundSms`, answered with the reply
 *   text for the TwiML the main thread sends back;
 * - the webhook drain loop (`wakeWebhookDrain` / `drainWebhookEvents`), woken by the main thread
 *   after acknowledgements;
 * - in-process delivery: the messages the main thread's dispatcher hands over go through this
 *   thread's own outbox (same transports, built from the same environment) and its in-process
 *   dispatcher (`deliverMessages` in groups, final-failure fallback included).
 *
 * Their statements and their JavaScript no longer wait behind the requests queued on the main
 * thread's event loop. The code is the same as on the main thread; only the thread differs.
 * Secrets arrive in `workerData` (installed where `getSecrets()` looks first).
 */
import { parentPort, workerData } from "node:worker_threads";
import { createDbHandle } from "@/db/client";
import { systemClock } from "@/server/lib/clock";
import type { Secrets } from "@/server/lib/secrets";
import { toWorkerError } from "@/server/lib/worker-errors";
import { BACKGROUND_THREAD_APPLICATION_NAME } from "@/server/services/background-thread";
import { handleInboundSms } from "@/server/services/inbound";
import { wakeWebhookDrain, webhookDrainActive, webhookDrainIdle } from "@/server/services/webhooks";
import { buildOutbox } from "@/server/wiring";
import type { ThreadRequest, ThreadResponse, ThreadWorkerData } from "./start";

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

  port.on("message", (request: ThreadRequest) => {
    switch (request.type) {
      case "inbound":
        void (async () => {
          try {
            const result = await handleInboundSms({ ctx: context(request.requestId), input: request.input });
            post({ type: "inbound", id: request.id, ok: true, reply: result.reply });
          } catch (error) {
            post({ type: "inbound", id: request.id, ok: false, error: toWorkerError(error) });
          }
        })();
        return;
      case "wake":
        wakeWebhookDrain(context());
        reportDrainState();
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
