import type { Queryable } from "@/db/client";
import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { getEnv } from "@/server/lib/env";
import { inngest } from "@/inngest/client";
import { getAppRegistry, getJobRunner } from "./index";
import { enqueueEvents, normalizeEvents } from "./runner/store";

/** An event to send: `{ name, data, id? }`, or one built with `eventType(...).create(data)`. */
export type SendableEvent =
  | { name: string; data?: Record<string, unknown>; id?: string; ts?: number; v?: string }
  | { name: string; data?: unknown; validate(): Promise<unknown> };

/**
 * Sends events to whatever runs the functions: `inngest.send()` with an Inngest server, else the
 * in-process runner. Events built with `eventType().create()` are validated first.
 *
 * Idempotency: give the event an `id`; a second event with the same id starts nothing (both modes).
 *
 * `options.db`: in-process, pass the caller's transaction so the events and the runs they start
 * commit or roll back with it (outbox style). With an Inngest server the event leaves at once,
 * so send after your transaction commits.
 *
 * Before the runner is started (or with `JOBS_DISABLED`), in-process events are still stored
 * with their runs (in `options.db`, else the process database); a runner picks them up later.
 */
export async function sendEvent(
  events: SendableEvent | readonly SendableEvent[],
  options: { db?: Queryable } = {},
): Promise<{ ids: string[] }> {
  const list = (Array.isArray(events) ? events : [events]) as readonly SendableEvent[];
  if (getEnv().isInngestServerConfigured) {
    return inngest.send(list as Parameters<typeof inngest.send>[0]);
  }
  const runner = getJobRunner();
  if (runner) return runner.send(list, options);
  const db = options.db ?? (await getDbHandle()).db;
  const { ids } = await enqueueEvents(db, getAppRegistry(), await normalizeEvents(list), systemClock());
  return { ids };
}
