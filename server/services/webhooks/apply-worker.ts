/**
 * Worker-thread entry of the webhook application thread (bundled by esbuild, see
 * server/lib/worker-bundles.ts; started by apply-thread.ts when the server runs on PostgreSQL).
 * It owns its own small connection pool to the same database and runs the two pieces of webhook
 * work that take many sequential round trips:
 *
 * - inbound keywords (STOP, START, HELP…) through `handleInboundSms`, answered with the reply
 *   text for the TwiML the main thread sends back;
 * - the webhook drain loop (`wakeWebhookDrain` / `drainWebhookEvents`), woken by the main thread
 *   after each acknowledgement.
 *
 * Their statements no longer wait behind the HTTP work queued on the main thread's event loop,
 * so a STOP answers in about its own database time and an acknowledged event is applied within
 * the drain's debounce plus one batch. The code is the same as on the main thread; only the
 * thread differs. Secrets arrive in `workerData` (installed where `getSecrets()` looks first).
 */
import { parentPort, workerData } from "node:worker_threads";
import { createDbHandle } from "@/db/client";
import { systemClock } from "@/server/lib/clock";
import type { Secrets } from "@/server/lib/secrets";
import { logger } from "@/server/lib/logger";
import type { PublicContext } from "../context";
import { handleInboundSms } from "../inbound/handle-inbound-sms";
import type { ApplyRequest, ApplyResponse, ApplyWorkerData } from "./apply-thread";
import { WEBHOOK_THREAD_APPLICATION_NAME } from "./webhook-thread-slot";
import { wakeWebhookDrain, webhookDrainActive, webhookDrainIdle } from "./webhook-drain-loop";

const data = workerData as ApplyWorkerData;
(globalThis as unknown as { __optinSecrets?: Secrets }).__optinSecrets = {
  appSecret: data.appSecret,
  encryptionKeys: data.encryptionKeys.map((k) => ({ id: k.id, key: Buffer.from(k.key) })),
};

const port = parentPort!;
const handlePromise = createDbHandle({
  databaseUrl: data.databaseUrl,
  maxConnections: data.maxConnections,
  applicationName: WEBHOOK_THREAD_APPLICATION_NAME,
});
const post = (message: ApplyResponse) => port.postMessage(message);

async function context(requestId?: string): Promise<PublicContext> {
  const { db } = await handlePromise;
  return { db, now: systemClock, requestId };
}

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

function errorOf(error: unknown): { name: string; code?: string; message: string } {
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  return {
    name: typeof e.name === "string" ? e.name : "Error",
    code: typeof e.code === "string" ? e.code : undefined,
    message: typeof e.message === "string" ? e.message : "worker error",
  };
}

port.on("message", (request: ApplyRequest) => {
  switch (request.type) {
    case "inbound":
      void (async () => {
        try {
          const ctx = await context(request.requestId);
          const result = await handleInboundSms({ ctx, input: request.input });
          post({ type: "inbound", id: request.id, ok: true, reply: result.reply });
        } catch (error) {
          post({ type: "inbound", id: request.id, ok: false, error: errorOf(error) });
        }
      })();
      return;
    case "wake":
      void context().then(
        (ctx) => {
          wakeWebhookDrain(ctx);
          reportDrainState();
        },
        (error: unknown) => logger.error({ err: error }, "webhook thread: no database connection"),
      );
      return;
    case "idle":
      void webhookDrainIdle().then(() => post({ type: "idle", id: request.id }));
      return;
    case "close":
      void (async () => {
        await webhookDrainIdle();
        await (await handlePromise).close();
        post({ type: "closed" });
      })();
      return;
  }
});

post({ type: "ready" });
