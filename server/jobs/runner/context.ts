import { AsyncLocalStorage } from "node:async_hooks";
import type { Database } from "@/db/client";
import { systemClock, type Clock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";

/**
 * What an Inngest function's steps need from the app: the database and the clock. Functions
 * are module-level objects, so they cannot receive these as arguments; they call
 * `getJobContext()` inside a step instead.
 *
 * - The in-process runner runs every handler call inside `runWithJobContext`, so two runners
 *   on two databases in one process (tests) each see their own.
 * - Otherwise (an Inngest server calling `/api/inngest`, scripts) the context set by
 *   `startJobRunner` is used, and failing that the process database (`getDbHandle()`) with
 *   the system clock.
 */
export interface JobContext {
  db: Database;
  now: Clock;
}

/** Receives events sent with `inngest.send()` / `step.sendEvent()` while no server is configured. */
export type InProcessEventSink = (events: unknown[]) => Promise<{ ids: string[] }>;

interface JobContextStore {
  context: JobContext;
  sink?: InProcessEventSink;
}

// On globalThis because Next may load this module twice: the runner's runs and the functions must share one store.
const globalForJobs = globalThis as unknown as {
  __optinJobContextStorage?: AsyncLocalStorage<JobContextStore>;
  __optinDefaultJobContext?: JobContextStore;
};

const storage = (globalForJobs.__optinJobContextStorage ??= new AsyncLocalStorage<JobContextStore>());

/** Runs `work` with `store` as the job context of everything it awaits. */
export function runWithJobContext<T>(store: JobContextStore, work: () => Promise<T>): Promise<T> {
  return storage.run(store, work);
}

/** Sets the context used outside an in-process run (Inngest server mode, scripts). */
export function setDefaultJobContext(store: JobContextStore | undefined): void {
  globalForJobs.__optinDefaultJobContext = store;
}

/** The clock and database for the current job (see above for where they come from). */
export async function getJobContext(): Promise<JobContext> {
  const store = storage.getStore() ?? globalForJobs.__optinDefaultJobContext;
  if (store) return store.context;
  const handle = await getDbHandle();
  return { db: handle.db, now: systemClock };
}

/** The in-process event sink of the current run, else of the process's runner; undefined when none. */
export function getInProcessEventSink(): InProcessEventSink | undefined {
  return storage.getStore()?.sink ?? globalForJobs.__optinDefaultJobContext?.sink;
}
