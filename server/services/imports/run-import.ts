import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { imports } from "@/db/schema";
import { AppError } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { checkCsvHead, CSV_HEAD_BYTES } from "./csv-check";
import { discardUpload, keepUpload, receiveUpload, type ImportSource } from "./import-files";
import type { ImportRow } from "./import-runs";
import { buildColumnIndex } from "./prepare-rows";
import { assertImportStatus, executeRun } from "./run-steps";
import { ZImportMapping, type TImport } from "./schemas";

export interface TRunImportInput {
  importId: string;
  source: ImportSource;
  expectedRows?: number;
}

/**
 * Streams a CSV into the workspace's contacts and consent ledger for an import created by
 * `createImport`. Memory stays flat in the file size: the file is parsed as it arrives and
 * written in batches of IMPORT_BATCH_SIZE rows, and nothing is kept per row between batches (an
 * address repeated within the file is found in the batch while preparing it, or across batches
 * through the contact's `import_id`/`import_line`, which every write of the import sets). While
 * batch N is written, batch N+1 is parsed, validated and encrypted.
 *
 * Per batch, in one transaction (see write-batch.ts): existing contacts looked up by blind index
 * and updated (attributes merged, tags added, erased contacts never revived), new ones inserted,
 * consent events appended with source `import` and the uploader as actor, the projection folded
 * by the same rule as `applyConsentEvent` (an older opt-in never undoes a recorded opt-out), no
 * opt-in for a suppressed address, rejections recorded (line, column, reason — never the value),
 * and the progress counters advanced.
 *
 * The upload is first stored whole in DATA_DIR/imports (hashed; see import-files.ts), then read
 * from there: each batch commit records its last line and a heartbeat, so a run killed mid-way is
 * resumed from the next line (`recoverInterruptedImports`, `resumeImport`). The file is deleted
 * when the import completes.
 *
 * A file that is not CSV text (another file type, binary data, not UTF-8, unparseable, no column
 * names) or that lacks a mapped column is refused from its first 64 KB before anything is stored
 * or changed: INVALID (400) naming `file` or `mapping`, and the import stays `pending`.
 *
 * Runs once: a second call for the same import → CONFLICT. Audited at start and at the end
 * (`import.started`, `import.completed` with counts, or `import.failed`; `import.resumed`).
 * `expectedRows` is a hint for the progress bar (e.g. the browser's line count).
 */
export async function runImport({ ctx, input }: { ctx: ServiceContext; input: TRunImportInput }): Promise<TImport> {
  const { importId, source, expectedRows } = input;
  const pending = await assertImportStatus({
    ctx,
    input: {
      importId,
      statuses: ["pending"],
      message: "This import has already run; create a new one to upload again",
    },
  });
  const mapping = ZImportMapping.parse(pending.mapping);
  const runId = randomUUID();
  const file = await receiveUpload(importId, source, runId, {
    bytes: CSV_HEAD_BYTES,
    inspect: (head, complete) => {
      const { headers } = checkCsvHead(head, { complete });
      if (headers) buildColumnIndex(headers, mapping);
    },
  });
  let started: ImportRow;
  try {
    started = await inTransaction(ctx.db, async (tx) => {
      const [row] = await tx
        .update(imports)
        .set({
          status: "running",
          startedAt: ctx.now(),
          totalRows: Math.max(0, Math.floor(expectedRows ?? 0)),
          runId,
          heartbeatAt: ctx.now(),
          fileHash: file.sha256,
          lastLine: 0,
        })
        .where(and(eq(imports.id, importId), eq(imports.workspaceId, ctx.workspaceId), eq(imports.status, "pending")))
        .returning();
      if (!row) throw new AppError("CONFLICT", "This import has already run; create a new one to upload again");
      await writeAudit(tx, ctx, {
        action: "import.started",
        targetType: "import",
        targetId: importId,
        after: { topics: row.options.topicKeys, channels: row.options.channels },
      });
      return row;
    });
    await keepUpload(importId, file);
  } catch (error) {
    await discardUpload(file);
    throw error;
  }
  return executeRun({ ctx, input: { row: started, runId } });
}
