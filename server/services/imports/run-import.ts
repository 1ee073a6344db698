import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse, type Options } from "csv-parse";
import { and, eq, inArray, sql } from "drizzle-orm";
import { imports, topics } from "@/db/schema";
import { AppError, invalid, notFound } from "@/server/lib/errors";
import { logger } from "@/server/lib/logger";
import { writeAudit } from "../audit/write-audit";
import { actorId, inTransaction, requireAccess, type ServiceContext } from "../context";
import { workspaceRegion } from "../contacts/rows";
import { AddressSeenMap } from "./address-seen-map";
import { detectDelimiter } from "./csv-values";
import { IMPORT_CONSENT_ACCESS } from "./create-import";
import { toImport } from "./get-import";
import { PiiBatchEncryptor, BlindIndexer } from "./pii-batch";
import { buildColumnIndex, prepareBatch, type RawRecord } from "./prepare-rows";
import { ZImportMapping, type TImport } from "./schemas";
import { activeRuns, isInterrupted, type ImportRow } from "./import-runs";
import { discardUpload, hasImportFile, keepUpload, openImportFile, receiveUpload, removeImportFile, type ImportSource, type ReceivedFile } from "./import-files";
import { ImportSupersededError, writeBatch, type BatchCounts, type ImportJob } from "./write-batch";

/** Rows per batch: one transaction and one round of set-based statements each. 2,500 rather than 5,000: ~11% slower, ~45 MB less peak RSS (import bench, 200k rows). */
export const IMPORT_BATCH_SIZE = 2_500;
/**
 * Rows prepared (validated, hashed, encrypted) between two yields to the event loop. The writer of
 * the previous batch runs meanwhile; yielding lets it send its next statement as soon as the
 * database answers, so the database never waits for a whole batch of encryption.
 */
const PREPARE_SLICE = 50;
/** A single CSV record larger than this is refused (protects memory from a missing quote). */
const MAX_RECORD_BYTES = 1 << 20;

export type { ImportSource } from "./import-files";

/** How often a running import refreshes its heartbeat besides each batch commit. */
const HEARTBEAT_MS = 30_000;
// On globalThis because Next may load this module twice: waiting for resumes must see every one started in the process.
const globalForRuns = globalThis as unknown as { __optinImportResumes?: Set<Promise<unknown>> };
const backgroundResumes = (globalForRuns.__optinImportResumes ??= new Set());

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
 * Runs once: a second call for the same import → CONFLICT. Audited at start and at the end
 * (`import.started`, `import.completed` with counts, or `import.failed`; `import.resumed`).
 * `expectedRows` is a hint for the progress bar (e.g. the browser's line count).
 */
export async function runImport({
  ctx,
  importId,
  source,
  expectedRows,
}: {
  ctx: ServiceContext;
  importId: string;
  source: ImportSource;
  expectedRows?: number;
}): Promise<TImport> {
  await assertStatus(ctx, importId, ["pending"], "This import has already run; create a new one to upload again");
  const runId = randomUUID();
  const file = await receiveUpload(importId, source, runId);
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
  return executeRun(ctx, started, runId);
}

/**
 * 404 when the import is not this workspace's; FORBIDDEN when it records consent (a consent
 * column) and the caller may not (`consent:write`, checked again at every run and resume, not
 * only at create: the key may have been narrowed since); CONFLICT with `message` when its status
 * is not one of `statuses`. All before anything changes.
 */
async function assertStatus(ctx: ServiceContext, importId: string, statuses: ImportRow["status"][], message: string): Promise<ImportRow> {
  const [row] = await ctx.db
    .select()
    .from(imports)
    .where(and(eq(imports.id, importId), eq(imports.workspaceId, ctx.workspaceId)));
  if (!row) throw notFound("Import");
  if (row.mapping.consentStatus) requireAccess(ctx, IMPORT_CONSENT_ACCESS);
  if (!statuses.includes(row.status)) throw new AppError("CONFLICT", message);
  return row;
}

/**
 * Processes the import's stored file from the line after `last_line` to the end, as run `runId`
 * (which must already own the row), then marks it completed, or failed with the reason. A run
 * that loses the import to another one (it was taken for interrupted) stops without touching it.
 */
async function executeRun(ctx: ServiceContext, row: ImportRow, runId: string): Promise<TImport> {
  const importId = row.id;
  activeRuns.add(runId);
  const heartbeat = setInterval(() => {
    void ctx.db
      .update(imports)
      .set({ heartbeatAt: ctx.now() })
      .where(and(eq(imports.id, importId), eq(imports.runId, runId), eq(imports.status, "running")))
      .catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    try {
      await streamRows(ctx, row, openImportFile(importId), runId, row.lastLine);
    } catch (error) {
      if (error instanceof ImportSupersededError) {
        logger.warn({ importId }, "import taken over by another run; this run stops");
        return getImportRow(ctx, importId);
      }
      const message =
        error instanceof AppError ? error.message : `The import stopped because of an internal error${dbCode(error) ? ` (${dbCode(error)})` : ""}`;
      if (!(error instanceof AppError)) logger.error({ importId, code: dbCode(error) }, "import failed");
      await inTransaction(ctx.db, async (tx) => {
        const [failed] = await tx
          .update(imports)
          .set({
            status: "failed",
            error: message,
            finishedAt: ctx.now(),
            totalRows: sql`${imports.processedRows}`,
            // A file that is not valid CSV cannot be resumed: nothing is kept of it.
            ...(error instanceof AppError ? { fileHash: null } : {}),
          })
          .where(and(eq(imports.id, importId), eq(imports.runId, runId)))
          .returning();
        if (failed) await writeAudit(tx, ctx, { action: "import.failed", targetType: "import", targetId: importId, after: counters(failed) });
      });
      if (error instanceof AppError) await removeImportFile(importId);
      throw error;
    }

    const done = await inTransaction(ctx.db, async (tx) => {
      const [completed] = await tx
        .update(imports)
        .set({ status: "completed", finishedAt: ctx.now(), totalRows: sql`${imports.processedRows}`, heartbeatAt: ctx.now() })
        .where(and(eq(imports.id, importId), eq(imports.runId, runId), eq(imports.status, "running")))
        .returning();
      if (!completed) return undefined;
      await writeAudit(tx, ctx, { action: "import.completed", targetType: "import", targetId: importId, after: counters(completed) });
      return toImport(completed);
    });
    if (!done) return getImportRow(ctx, importId);
    await removeImportFile(importId);
    return done;
  } finally {
    clearInterval(heartbeat);
    activeRuns.delete(runId);
  }
}

async function getImportRow(ctx: ServiceContext, importId: string): Promise<TImport> {
  const [row] = await ctx.db.select().from(imports).where(eq(imports.id, importId));
  if (!row) throw notFound("Import");
  return toImport(row);
}

/**
 * Takes the import over for a new run: fenced on the run id and status read before, so of two
 * processes recovering the same import one wins; the loser gets undefined.
 */
async function claimForResume(ctx: ServiceContext, row: ImportRow, fileHash?: string): Promise<{ row: ImportRow; runId: string } | undefined> {
  const runId = randomUUID();
  return inTransaction(ctx.db, async (tx) => {
    const [claimed] = await tx
      .update(imports)
      .set({ status: "running", runId, heartbeatAt: ctx.now(), error: null, finishedAt: null, ...(fileHash ? { fileHash } : {}) })
      .where(
        and(
          eq(imports.id, row.id),
          eq(imports.status, row.status),
          row.runId ? eq(imports.runId, row.runId) : sql`${imports.runId} is null`,
        ),
      )
      .returning();
    if (!claimed) return undefined;
    await writeAudit(tx, { ...ctx, workspaceId: row.workspaceId }, {
      action: "import.resumed",
      targetType: "import",
      targetId: row.id,
      after: { fromLine: claimed.lastLine + 1, rows: claimed.processedRows },
    });
    return { row: claimed, runId };
  });
}

const NOT_RESUMABLE = "Only an interrupted import, or one that failed on an internal error, can be resumed";

/**
 * `imports.resume`: resumes an interrupted import (`running` with a dead run) or one that failed
 * on an internal error, from the line after its last committed batch, with the file kept at
 * upload. The run goes on in the background (poll `get`); the answer is the import as resumed.
 * When the file is no longer here → CONFLICT: upload the same file again
 * (`POST /api/imports?importId=…&resume=1`). Idempotent: a run already going → CONFLICT.
 */
export async function resumeImport({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<TImport> {
  const row = await assertStatus(ctx, input.id, ["running", "failed"], NOT_RESUMABLE);
  if (!isResumable(row, ctx.now())) throw new AppError("CONFLICT", NOT_RESUMABLE);
  if (!hasImportFile(row.id)) throw new AppError("CONFLICT", "The uploaded file is no longer stored: upload the same file again to resume");
  const claim = await claimForResume(ctx, row);
  if (!claim) throw new AppError("CONFLICT", "This import was resumed already");
  const run = executeRun(ctx, claim.row, claim.runId).catch(() => {});
  backgroundResumes.add(run);
  void run.finally(() => backgroundResumes.delete(run));
  return toImport(claim.row);
}

function isResumable(row: ImportRow, now: Date): boolean {
  return row.fileHash !== null && (row.status === "failed" || isInterrupted(row, now));
}

/**
 * `POST /api/imports?importId=…&resume=1`: the same file uploaded again to resume an interrupted
 * or failed import. The upload is stored and hashed first; another file (SHA-256 differs) →
 * CONFLICT, nothing changed. Then the import resumes from the line after its last committed
 * batch and the answer is the finished import.
 */
export async function resumeImportUpload({ ctx, importId, source }: { ctx: ServiceContext; importId: string; source: ImportSource }): Promise<TImport> {
  const row = await assertStatus(ctx, importId, ["running", "failed"], NOT_RESUMABLE);
  if (!isResumable(row, ctx.now())) throw new AppError("CONFLICT", NOT_RESUMABLE);
  const file: ReceivedFile = await receiveUpload(importId, source, randomUUID());
  let claim: Awaited<ReturnType<typeof claimForResume>>;
  try {
    if (file.sha256 !== row.fileHash) throw new AppError("CONFLICT", "This is not the file this import started with: upload the same file to resume it");
    claim = await claimForResume(ctx, row);
    if (!claim) throw new AppError("CONFLICT", "This import was resumed already");
    await keepUpload(importId, file);
  } catch (error) {
    await discardUpload(file);
    throw error;
  }
  return executeRun(ctx, claim.row, claim.runId);
}

/**
 * Start-up and the `recover-imports` cron (every 5 minutes): imports left `running` by a dead
 * process. At start-up that is every `running` import whose run is not in this process and whose
 * file is here (the file lives in this DATA_DIR, so its run was this installation's); later, those
 * whose heartbeat is older than IMPORT_STALE_MS. Each resumes from its last committed line when
 * its file is here; otherwise, once stale, it is marked `failed` with its counts (upload the same
 * file to resume it). Returns what it did, by import id.
 */
export async function recoverInterruptedImports(deps: { db: ServiceContext["db"]; now: () => Date; atStartup?: boolean }): Promise<{ resumed: string[]; failed: string[] }> {
  const result = { resumed: [] as string[], failed: [] as string[] };
  const running = await deps.db.select().from(imports).where(eq(imports.status, "running"));
  for (const row of running) {
    if (row.runId && activeRuns.has(row.runId)) continue;
    const now = deps.now();
    const stale = isInterrupted(row, now);
    const ctx: ServiceContext = { db: deps.db, workspaceId: row.workspaceId, actor: { type: "system", job: "recover-imports" }, now: deps.now };
    const fileHere = row.fileHash !== null && hasImportFile(row.id);
    if (fileHere && (stale || deps.atStartup)) {
      const claim = await claimForResume(ctx, row);
      if (!claim) continue;
      result.resumed.push(row.id);
      try {
        await executeRun(ctx, claim.row, claim.runId);
      } catch (error) {
        logger.warn({ importId: row.id, code: dbCode(error) }, "resumed import failed");
      }
      continue;
    }
    if (!stale) continue;
    const failed = await inTransaction(deps.db, async (tx) => {
      const [marked] = await tx
        .update(imports)
        .set({
          status: "failed",
          error: "The import was interrupted and its file is not stored here: upload the same file again to resume it",
          finishedAt: now,
          totalRows: sql`${imports.processedRows}`,
        })
        .where(and(eq(imports.id, row.id), eq(imports.status, "running"), row.runId ? eq(imports.runId, row.runId) : sql`${imports.runId} is null`))
        .returning();
      if (marked) await writeAudit(tx, ctx, { action: "import.failed", targetType: "import", targetId: row.id, after: { ...counters(marked), interrupted: true } });
      return marked;
    });
    if (failed) result.failed.push(row.id);
  }
  return result;
}

/** Tests and shutdown: resolves when the resumes started in the background by `resumeImport` have ended. */
export async function waitForImportResumes(): Promise<void> {
  while (backgroundResumes.size > 0) await Promise.allSettled([...backgroundResumes]);
}

function counters(row: typeof imports.$inferSelect | undefined) {
  return row
    ? {
        rows: row.processedRows,
        inserted: row.insertedRows,
        updated: row.updatedRows,
        rejected: row.rejectedRows,
        consentEvents: row.consentEvents,
      }
    : {};
}

/** A database error code (e.g. "40P01"), never its message: messages can quote parameters. */
function dbCode(error: unknown): string | undefined {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code) return code;
  }
  return undefined;
}

async function resolveJob(ctx: ServiceContext, row: typeof imports.$inferSelect, headers: string[]) {
  const mapping = ZImportMapping.parse(row.mapping);
  const columns = buildColumnIndex(headers, mapping);
  const channels = new Set(row.options.channels);
  const topicRows =
    mapping.consentStatus && row.options.topicKeys.length
      ? await ctx.db
          .select()
          .from(topics)
          .where(and(eq(topics.workspaceId, ctx.workspaceId), inArray(topics.key, row.options.topicKeys)))
      : [];
  const pairs = topicRows.flatMap((topic) => [...new Set(topic.channels)].filter((c) => channels.has(c)).map((channel) => ({ topicId: topic.id, channel })));
  const job: ImportJob = {
    importId: row.id,
    workspaceId: ctx.workspaceId,
    actorType: ctx.actor.type,
    actorId: actorId(ctx.actor),
    actor: ctx.actor,
    now: ctx.now,
    pairs,
    emailColumn: columns.fields.email?.name ?? "email",
    phoneColumn: columns.fields.phone?.name ?? "phone",
  };
  return { job, columns, extraTags: row.options.tags ?? [] };
}

/**
 * The records of a CSV file as it streams in, the header first: the delimiter is detected from the
 * first line, a BOM is dropped, each record carries the line it ends on. Malformed CSV → INVALID
 * naming the line (never the value).
 */
export async function* csvRecords(source: ImportSource): AsyncGenerator<RawRecord> {
  const input = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await iterator.next();
  if (first.done) throw invalid("The file is empty", "file");
  const head = typeof first.value === "string" ? first.value : Buffer.from(first.value).toString("utf8");
  const delimiter = detectDelimiter(head.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "");

  async function* chunks() {
    yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
    // The line a record ends on, for rejections (a quoted field may span lines).
    on_record: ((record: string[], context: { lines: number }) => ({ line: context.lines, cells: record })) as unknown as Options["on_record"],
  });
  const feeding = pipeline(Readable.from(chunks()), parser);
  feeding.catch(() => {});
  try {
    for await (const record of parser as AsyncIterable<RawRecord>) yield record;
    await feeding;
  } catch (error) {
    throw csvError(error) ?? error;
  }
}

async function streamRows(ctx: ServiceContext, row: ImportRow, source: ImportSource, runId: string, skipThrough: number): Promise<void> {
  const region = await workspaceRegion(ctx.db, ctx.workspaceId);
  const encryptor = new PiiBatchEncryptor();
  const indexer = new BlindIndexer(ctx.workspaceId);
  let resolved: Awaited<ReturnType<typeof resolveJob>> | undefined;
  let pending: RawRecord[] = [];
  let inflight: Promise<BatchCounts> | undefined;

  const flush = async () => {
    const records = pending;
    pending = [];
    // Duplicates within this batch; the batch writer finds those of earlier batches in the database.
    const seen = new AddressSeenMap(records.length * 4);
    const deps = { columns: resolved!.columns, region, now: ctx.now(), extraTags: resolved!.extraTags, seen, indexer, encryptor };
    const prepared: ReturnType<typeof prepareBatch> = { rows: [], rejections: [], rejectedLines: new Set() };
    for (let at = 0; at < records.length; at += PREPARE_SLICE) {
      const part = prepareBatch(records.slice(at, at + PREPARE_SLICE), deps);
      for (const r of part.rows) prepared.rows.push(r);
      for (const r of part.rejections) prepared.rejections.push(r);
      for (const line of part.rejectedLines) prepared.rejectedLines.add(line);
      if (inflight) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (inflight) await inflight;
    inflight = writeBatch(ctx.db, { ...resolved!.job, runId }, { ...prepared, processed: records.length, lastLine: records[records.length - 1]!.line });
    inflight.catch(() => {});
  };

  try {
    for await (const record of csvRecords(source)) {
      if (!resolved) {
        const headers = record.cells.map((h) => h.trim());
        if (headers.every((h) => !h)) throw invalid("The first line must name the columns", "file");
        resolved = await resolveJob(ctx, row, headers);
        continue;
      }
      // Lines an earlier run of this import committed.
      if (record.line <= skipThrough) continue;
      pending.push(record);
      if (pending.length >= IMPORT_BATCH_SIZE) await flush();
    }
  } catch (error) {
    if (inflight) await inflight.catch(() => {});
    throw error;
  }
  if (!resolved) throw invalid("The file is empty", "file");
  if (pending.length) await flush();
  if (inflight) await inflight;
}

/** csv-parse errors as INVALID naming the line and the problem (their messages can quote values). */
function csvError(error: unknown): AppError | undefined {
  const e = error as { code?: unknown; lines?: unknown };
  if (typeof e?.code !== "string" || !e.code.startsWith("CSV_")) return undefined;
  const line = typeof e.lines === "number" ? ` near line ${e.lines}` : "";
  return invalid(`The file is not valid CSV${line} (${e.code})`, "file");
}
