import { Inngest } from "inngest";
import { getEnv } from "@/server/lib/env";
import { logger } from "@/server/lib/logger";
import { getInProcessEventSink } from "./runner/context";

/**
 * The Inngest client of the app (id "optin-manager"). Typed events live in `./events`.
 *
 * Two modes, chosen by `getEnv().isInngestServerConfigured`:
 * - Inngest server configured: the SDK behaves as usual (`inngest.send()` posts to the server,
 *   `/api/inngest` is served and signed in cloud mode).
 * - No server (default): the client is in dev mode (no request signing, which the in-process
 *   runner does not need) and its `fetch` hands sent events to the in-process runner instead of
 *   the network, so `inngest.send()` and `step.sendEvent()` keep working.
 */
const isInProcess = !getEnv().isInngestServerConfigured;

export const inngest = new Inngest({
  id: "optin-manager",
  logger,
  ...(isInProcess ? { isDev: true, fetch: inProcessFetch } : {}),
});

/** The event-API path the SDK posts to: `/e/{eventKey}`. */
const EVENT_PATH = /\/e\/[^/]*$/;

/**
 * Stands in for the network while no Inngest server is configured: event sends go to the
 * runner; anything else (registration, run APIs) is refused with an explicit error.
 */
async function inProcessFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  if (!EVENT_PATH.test(url.pathname) || (init?.method ?? "GET").toUpperCase() !== "POST") {
    return json(501, { error: `No Inngest server is configured; ${url.pathname} is not available in-process`, status: 501 });
  }
  const sink = getInProcessEventSink();
  if (!sink) return json(503, { error: "The in-process job runner is not started", status: 503 });
  const parsed: unknown = JSON.parse(typeof init?.body === "string" ? init.body : "[]");
  const { ids } = await sink(Array.isArray(parsed) ? parsed : [parsed]);
  return json(200, { ids, status: 200 });
}
