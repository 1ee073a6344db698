import { Inngest } from "inngest";
import { getEnv } from "@/server/lib/env";
import { logger } from "@/server/lib/logger";
import { inProcessFetch } from "@/server/jobs/in-process-fetch";

/**
 * The Inngest client of the app (id "optin-manager"). Typed events live in `./events`.
 *
 * Two modes, chosen by `getEnv().isInngestServerConfigured`:
 * - Inngest server configured: the SDK behaves as usual (`inngest.send()` posts to the server,
 *   `/api/inngest` is served and signed in cloud mode).
 * - No server (default): the client is in dev mode (no request signing, which the in-process
 *   runner does not need) and its `fetch` (`server/jobs/in-process-fetch.ts`) hands sent events
 *   to the in-process runner instead of the network, so `inngest.send()` and `step.sendEvent()`
 *   keep working.
 */
const isInProcess = !getEnv().isInngestServerConfigured;

export const inngest = new Inngest({
  id: "optin-manager",
  logger,
  ...(isInProcess ? { isDev: true, fetch: inProcessFetch } : {}),
});
