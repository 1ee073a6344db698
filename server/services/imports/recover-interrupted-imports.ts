import { and, eq, sql } from "drizzle-orm";
import { imports } from "@/db/schema";
import { logger } from "@/server/lib/logger";
import { notifyImportFinished } from "./notify-import";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type JobContext, type ServiceContext } from "../context";
import { hasImportFile } from "./import-files";
import { activeRuns, isInterrupted } from "./import-runs";
import { claimForResume, counters, dbCode, executeRun } from "./run-steps";

/**
 * Start-up and the `recover-imports` cron (every 5 minutes): imports left `running` by a dead
 * process. At start-up that is every `running` import whose run is not in this process and whose
 * file is here (the file lives in this DATA_DIR, so its run was this installation's); later, those
 * whose heartbeat is older than IMPORT_STALE_MS. Each resumes from its last committed line when
 * its file is here; otherwise, once stale, it is marked `failed` with its counts (upload the same
 * file to resume it). Returns what it did, by import id.
 */
export async function recoverInterruptedImports({
  ctx: job,
  input = {},
}: {
  ctx: JobContext;
  /** `atStartup`: resume every `running` import whose file is here, stale or not (this process just started). */
  input?: { atStartup?: boolean };
}): Promise<{ resumed: string[]; failed: string[] }> {
  const result = { resumed: [] as string[], failed: [] as string[] };
  const running = await job.db.select().from(imports).where(eq(imports.status, "running"));
  for (const row of running) {
    if (row.runId && activeRuns.has(row.runId)) continue;
    const now = job.now();
    const stale = isInterrupted(row, now);
    const ctx: ServiceContext = {
      db: job.db,
      workspaceId: row.workspaceId,
      actor: { type: "system", job: "recover-imports" },
      now: job.now,
    };
    const fileHere = row.fileHash !== null && hasImportFile(row.id);
    if (fileHere && (stale || input.atStartup)) {
      const claim = await claimForResume({ ctx, input: { row } });
      if (!claim) continue;
      result.resumed.push(row.id);
      try {
        await executeRun({ ctx, input: { row: claim.row, runId: claim.runId } });
      } catch (error) {
        logger.warn({ importId: row.id, code: dbCode(error) }, "resumed import failed");
      }
      continue;
    }
    if (!stale) continue;
    const failed = await inTransaction(job.db, async (tx) => {
      const [marked] = await tx
        .update(imports)
        .set({
          status: "failed",
          error: "The import was interrupted and its file is not stored here: upload the same file again to resume it",
          finishedAt: now,
          totalRows: sql`${imports.processedRows}`,
        })
        .where(
          and(
            eq(imports.id, row.id),
            eq(imports.status, "running"),
            row.runId ? eq(imports.runId, row.runId) : sql`${imports.runId} is null`,
          ),
        )
        .returning();
      if (marked) {
        await writeAudit(tx, ctx, {
          action: "import.failed",
          targetType: "import",
          targetId: row.id,
          after: { ...counters(marked), interrupted: true },
        });
        await notifyImportFinished(tx, marked, now);
      }
      return marked;
    });
    if (failed) result.failed.push(row.id);
  }
  return result;
}
