import type { imports } from "@/db/schema";
import { isInterrupted } from "./import-runs";
import type { TImport } from "./schemas";

export function toImport(row: typeof imports.$inferSelect, now: Date = new Date()): TImport {
  const interrupted = isInterrupted(row, now);
  return {
    id: row.id,
    status: row.status,
    filename: row.filename,
    topicKeys: row.options.topicKeys,
    channels: row.options.channels,
    totalRows: row.totalRows,
    processedRows: row.processedRows,
    insertedRows: row.insertedRows,
    updatedRows: row.updatedRows,
    rejectedRows: row.rejectedRows,
    consentEvents: row.consentEvents,
    error: row.error,
    lastLine: row.lastLine,
    interrupted,
    resumable: row.fileHash !== null && (row.status === "failed" || interrupted),
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}
