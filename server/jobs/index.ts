import type { DbHandle } from "@/db/client";
import { systemClock, type Clock } from "@/server/lib/clock";
import { getEnv } from "@/server/lib/env";
import { logger as defaultLogger, type Logger } from "@/server/lib/logger";
import { inngest } from "@/inngest/client";
import { functions as appFunctions } from "@/inngest/functions";
import { setDefaultJobContext } from "./runner/context";
import { buildRegistry, type RegisteredFunction } from "./runner/registry";
import { JobRunner, type DrainResult, type JobRunnerOptions } from "./runner/runner";

export { JobRunner, type DrainResult, type JobRunnerOptions } from "./runner/runner";
export { getJobContext, type JobContext } from "./runner/context";

/**
 * The app's job runner: the generic in-process runner (`./runner/`) bound to the app's Inngest
 * client and functions (`inngest/`), one per process. See docs/jobs.md.
 */
export interface StartJobRunnerOptions {
  handle: DbHandle;
  logger?: Logger;
  clock?: Clock;
  pollIntervalMs?: number;
}

// Next can load a module twice in one process (separate entry points can each get their own
// copy), which would start two runners: the runner lives on globalThis (docs/development.md).
const globalForRunner = globalThis as unknown as {
  __optinJobRunner?: JobRunner;
  __optinJobRegistry?: ReadonlyMap<string, RegisteredFunction>;
};

/** Triggers of the app's functions, for enqueueing while no runner is registered. */
export function getAppRegistry(): ReadonlyMap<string, RegisteredFunction> {
  return (globalForRunner.__optinJobRegistry ??= buildRegistry(inngest.id, appFunctions, defaultLogger));
}

/**
 * A runner over the app's functions (or `options.functions`) that is neither started nor
 * registered as the process's runner. Tests use it to run two runners against one database.
 */
export function createJobRunner(
  options: Omit<JobRunnerOptions, "client" | "functions"> & Partial<Pick<JobRunnerOptions, "client" | "functions">>,
): JobRunner {
  return new JobRunner({ client: inngest, functions: appFunctions, ...options });
}

/**
 * Boot entry point (call once from `instrumentation.ts` after migrations). Always makes the
 * database and clock available to functions (`getJobContext()`), then:
 * - Inngest server configured → returns null; the server drives `/api/inngest`.
 * - otherwise → creates the in-process runner, registers it for `sendEvent`/`drainJobs` and
 *   starts its polling loop, unless `JOBS_DISABLED` is set (tests), where it only enqueues and
 *   work happens on `drainJobs()`.
 * Idempotent: a second call returns the runner already started.
 */
export async function startJobRunner(options: StartJobRunnerOptions): Promise<JobRunner | null> {
  const env = getEnv();
  const clock = options.clock ?? systemClock;
  if (env.isInngestServerConfigured) {
    setDefaultJobContext({ context: { db: options.handle.db, now: clock } });
    (options.logger ?? defaultLogger).info("Inngest server configured; in-process job runner not started");
    return null;
  }
  const existing = globalForRunner.__optinJobRunner;
  if (existing) return existing;
  const runner = createJobRunner({ ...options, clock });
  globalForRunner.__optinJobRunner = runner;
  setDefaultJobContext({ context: { db: options.handle.db, now: clock }, sink: (events) => runner.send(events) });
  if (!env.JOBS_DISABLED) runner.start();
  return runner;
}

/** Stops the process's runner (waits for runs in progress to park) and forgets it. */
export async function stopJobRunner(): Promise<void> {
  const runner = globalForRunner.__optinJobRunner;
  globalForRunner.__optinJobRunner = undefined;
  setDefaultJobContext(undefined);
  if (runner) await runner.stop();
}

/** The process's in-process runner; undefined with an Inngest server or before boot. */
export function getJobRunner(): JobRunner | undefined {
  return globalForRunner.__optinJobRunner;
}

/**
 * Tests: processes every job due now on the process's runner (see `JobRunner.drain`); with
 * `until` and a `fixedClock`, also moves time forward through sleeps, retries and cron slots.
 */
export async function drainJobs(options: { until?: Date } = {}): Promise<DrainResult> {
  const runner = getJobRunner();
  if (!runner) throw new Error("drainJobs() needs startJobRunner() first");
  return runner.drain(options);
}

/** Tests: `drainJobs()` without moving time. */
export function runUntilIdle(): Promise<DrainResult> {
  return drainJobs();
}
