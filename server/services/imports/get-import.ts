import { and, desc, eq } from "drizzle-orm";
import { imports } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { isInterrupted } from "./import-runs";
import { ZListImportsInput, type TImport } from "./schemas";

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

/** One import of this workspace with its progress counters (the UI polls this); another workspace's id → NOT_FOUND. */
export async function getImport({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<TImport> {
  const [row] = await ctx.db
    .select()
    .from(imports)
    .where(and(eq(imports.id, input.id), eq(imports.workspaceId, ctx.workspaceId)));
  if (!row) throw notFound("Import");
  return toImport(row, ctx.now());
}

/** The workspace's imports, newest first. */
export async function listImports({ ctx, input }: { ctx: ServiceContext; input?: { limit?: number } }): Promise<TImport[]> {
  const { limit } = ZListImportsInput.parse(input) ?? { limit: 20 };
  const rows = await ctx.db
    .select()
    .from(imports)
    .where(eq(imports.workspaceId, ctx.workspaceId))
    .orderBy(desc(imports.createdAt))
    .limit(limit);
  return rows.map((row) => toImport(row, ctx.now()));
}
