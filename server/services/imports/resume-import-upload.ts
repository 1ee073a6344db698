import { randomUUID } from "node:crypto";
import { AppError } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { discardUpload, keepUpload, receiveUpload, type ImportSource, type ReceivedFile } from "./import-files";
import { assertImportStatus, claimForResume, executeRun, isResumable, NOT_RESUMABLE } from "./run-steps";
import type { TImport } from "./schemas";

/**
 * `POST /api/imports?importId=…&resume=1`: the same file uploaded again to resume an interrupted
 * or failed import. The upload is stored and hashed first; another file (SHA-256 differs) →
 * CONFLICT, nothing changed. Then the import resumes from the line after its last committed
 * batch and the answer is the finished import.
 */
export async function resumeImportUpload({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { importId: string; source: ImportSource };
}): Promise<TImport> {
  const { importId, source } = input;
  const row = await assertImportStatus({
    ctx,
    input: { importId, statuses: ["running", "failed"], message: NOT_RESUMABLE },
  });
  if (!isResumable(row, ctx.now())) throw new AppError("CONFLICT", NOT_RESUMABLE);
  const file: ReceivedFile = await receiveUpload(importId, source, randomUUID());
  let claim: Awaited<ReturnType<typeof claimForResume>>;
  try {
    if (file.sha256 !== row.fileHash)
      throw new AppError(
        "CONFLICT",
        "This is not the file this import started with: upload the same file to resume it",
      );
    claim = await claimForResume({ ctx, input: { row } });
    if (!claim) throw new AppError("CONFLICT", "This import was resumed already");
    await keepUpload(importId, file);
  } catch (error) {
    await discardUpload(file);
    throw error;
  }
  return executeRun({ ctx, input: { row: claim.row, runId: claim.runId } });
}
