import { getInProcessEventSink } from "./runner/context";

/** The event-API path the SDK posts to: `/e/{eventKey}`. */
const EVENT_PATH = /\/e\/[^/]*$/;

/**
 * The `fetch` of the app's Inngest client (inngest/client.ts) while no Inngest server is
 * configured: the adapter between the SDK and the in-process runner. Event sends go to the
 * runner; anything else (registration, run APIs) is refused with an explicit error.
 */
export async function inProcessFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  if (!EVENT_PATH.test(url.pathname) || (init?.method ?? "GET").toUpperCase() !== "POST") {
    return json(501, {
      error: `No Inngest server is configured; ${url.pathname} is not available in-process`,
      status: 501,
    });
  }
  const sink = getInProcessEventSink();
  if (!sink) return json(503, { error: "The in-process job runner is not started", status: 503 });
  const parsed: unknown = JSON.parse(typeof init?.body === "string" ? init.body : "[]");
  const { ids } = await sink(Array.isArray(parsed) ? parsed : [parsed]);
  return json(200, { ids, status: 200 });
}
