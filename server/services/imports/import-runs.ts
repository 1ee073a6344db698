import type { imports } from "@/db/schema";

export type ImportRow = typeof imports.$inferSelect;

/** A running import whose heartbeat is older than this is taken for interrupted (its process died). */
export const IMPORT_STALE_MS = 2 * 60_000;

/**
 * Runs in progress in this process (their run ids): at start-up, every other `running` import was
 * interrupted. On globalThis because Next may load this module twice, and a copy that missed a live
 * run would take it for interrupted and resume it a second time.
 */
const globalForRuns = globalThis as unknown as { __optinImportRuns?: Set<string> };
export const activeRuns = (globalForRuns.__optinImportRuns ??= new Set());

/** Whether a `running` import's run is dead: not running in this process and silent for IMPORT_STALE_MS. */
export function isInterrupted(row: Pick<ImportRow, "status" | "heartbeatAt" | "runId">, now: Date): boolean {
  if (row.status !== "running") return false;
  if (row.runId && activeRuns.has(row.runId)) return false;
  return !row.heartbeatAt || now.getTime() - row.heartbeatAt.getTime() > IMPORT_STALE_MS;
}

/**
 * Resumes `resumeImport` started in the background. On globalThis because Next may load this
 * module twice: waiting for resumes must see every one started in the process.
 */
const globalForResumes = globalThis as unknown as { __optinImportResumes?: Set<Promise<unknown>> };
export const backgroundResumes = (globalForResumes.__optinImportResumes ??= new Set());

/** Tests and shutdown: resolves when the resumes started in the background by `resumeImport` have ended. */
export async function waitForImportResumes(): Promise<void> {
  while (backgroundResumes.size > 0) await Promise.allSettled([...backgroundResumes]);
}
