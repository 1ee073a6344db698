import { AppError } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { hasImportFile } from "./import-files";
import { backgroundResumes } from "./import-runs";
import { toImport } from "./rows";
import { assertImportStatus, claimForResume, executeRun, isResumable, NOT_RESUMABLE } from "./run-steps";
import type { TImport } from "./schemas";

/**
 * `imports.resume`: resumes an interrupted import (`running` with a dead run) or one that failed
 * on an internal error, from the line after its last committed batch, with the file kept at
 * upload. The run goes on in the background (poll `get`); the answer is the import as resumed.
 * When the file is no longer here → CONFLICT: upload the same file again
 * (`POST /api/imports?importId=…&resume=1`). Idempotent: a run already going → CONFLICT.
 */
export async function resumeImport({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<TImport> {
  const row = await assertImportStatus({
    ctx,
    input: { importId: input.id, statuses: ["running", "failed"], message: NOT_RESUMABLE },
  });
  if (!isResumable(row, ctx.now())) throw new AppError("CONFLICT", NOT_RESUMABLE);
  if (!hasImportFile(row.id))
    throw new AppError("CONFLICT", "The uploaded file is no longer stored: upload the same file again to resume");
  const claim = await claimForResume({ ctx, input: { row } });
  if (!claim) throw new AppError("CONFLICT", "This import was resumed already");
  const run = executeRun({ ctx, input: { row: claim.row, runId: claim.runId } }).catch(() => {});
  backgroundResumes.add(run);
  void run.finally(() => backgroundResumes.delete(run));
  return toImport(claim.row);
}
