import { getDbHandle } from "@/server/lib/db";
import { startJobRunner, stopJobRunner, type JobRunner } from "./index";

/**
 * Boot glue called by `server/boot.ts` when no Inngest server is configured: opens the process
 * database and starts the in-process runner on it (idempotent).
 */
export async function startInProcessJobs(): Promise<JobRunner | null> {
  const handle = await getDbHandle();
  return startJobRunner({ handle });
}

/** Graceful shutdown: stops polling and waits for runs in progress to park. */
export function stopInProcessJobs(): Promise<void> {
  return stopJobRunner();
}
