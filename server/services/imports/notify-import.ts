import type { Queryable } from "@/db/client";
import type { ImportRow } from "./import-runs";
import { notify } from "../notifications/notify";

const n = (value: number) => value.toLocaleString("en-US");

/**
 * Notifies the workspace's members that an import ended (in the transaction that ended it):
 * completed, with the rejected rows when there were any, or failed with what it got through.
 * Names the file and counts, never a row's content. Dedupe key: the import, the outcome and the
 * run that ended it, so a resumed import that fails again notifies again.
 */
export async function notifyImportFinished(db: Queryable, row: ImportRow, at: Date): Promise<void> {
  const file = row.filename ? `"${row.filename}"` : "A contact import";
  const data = {
    importId: row.id,
    processed: row.processedRows,
    inserted: row.insertedRows,
    updated: row.updatedRows,
    rejected: row.rejectedRows,
  };
  const completed = row.status === "completed";
  const counts = `${n(row.insertedRows)} added, ${n(row.updatedRows)} updated`;
  await notify({
    ctx: { db, now: () => at },
    input: {
      workspaceId: row.workspaceId,
      kind: completed ? "import_completed" : "import_failed",
      title: completed
        ? row.rejectedRows > 0
          ? `Import ${file} finished with ${n(row.rejectedRows)} rejected ${row.rejectedRows === 1 ? "row" : "rows"}`
          : `Import ${file} finished`
        : `Import ${file} failed`,
      body: completed
        ? `${counts}${row.rejectedRows > 0 ? `, ${n(row.rejectedRows)} rejected: download the rejections to fix and import them again` : ""}.`
        : `It stopped after ${n(row.processedRows)} rows (${counts}). ${row.fileHash ? "Upload the same file again to resume it." : ""}`.trim(),
      link: "/contacts/import",
      data,
      dedupeKey: `import:${row.id}:${row.status}:${row.runId ?? "none"}`,
    },
  });
}
