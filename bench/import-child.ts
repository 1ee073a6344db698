/**
 * The import bench's child process (bench/import.ts starts it): the timed `runImport`, its RSS and
 * CPU, then the preparation-only floor. The parent bundles this file with esbuild and runs the
 * bundle with plain node, so the process holds the import's code as a production build does, and
 * nothing else: neither the TypeScript loader the benches run under nor the parent's set-up code
 * (migrations, factories) whose source would sit in the heap as well.
 */
import fs from "node:fs";
import type { Queryable } from "@/db/client";
import type { RawRecord } from "@/server/services/imports";

export interface ChildConfig {
  db: "pglite" | "postgres";
  url?: string;
  pgliteDir?: string;
  csvPath: string;
  size: number;
  importId: string;
  workspaceId: string;
  userId: string;
}

export interface ChildResult {
  seconds: number;
  peakRssMb: number;
  /** RSS when the import starts: the process with its code loaded and the database open. */
  startRssMb: number;
  processed: number;
  inserted: number;
  updated: number;
  rejected: number;
  consentEvents: number;
  /** CPU seconds (user + system) of the import process, and of its PostgreSQL backends when local. */
  cpuSeconds: number;
  dbCpuSeconds: number | null;
  /** The in-process floor: the same file parsed, validated, hashed and encrypted, no database. */
  prepareSeconds: number;
  /** Seconds from the start of the import at which processed rows first reached each slice end. */
  sliceEnds: { rows: number; seconds: number }[];
  /** Preparation worker threads (IMPORT_WORKERS, default one per core; 0 = main thread). */
  importWorkers: number;
}

/** Rows per slice of the `slices` figure: 100k rows from 500k rows up, else a tenth of the file. */
export function sliceRowsFor(size: number): number {
  return size >= 500_000 ? 100_000 : Math.max(1, Math.ceil(size / 10));
}

/** CPU seconds used so far by the local PostgreSQL backends serving the current database. */
async function backendCpuSeconds(handle: { queryRows<T>(text: string): Promise<T[]> }): Promise<number | null> {
  const pids = await handle.queryRows<{ pid: number }>(
    "select pid from pg_stat_activity where datname = current_database()",
  );
  let ticks = 0;
  for (const { pid } of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return null; // not on this machine
    }
  }
  return ticks / 100;
}

export async function openDb(config: { db: "pglite" | "postgres"; url?: string; pgliteDir?: string }) {
  const { createDbHandle } = await import("@/db/client");
  if (config.db === "postgres")
    return { handle: await createDbHandle({ databaseUrl: config.url!, maxConnections: 4 }), pglite: undefined };
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create(config.pgliteDir!);
  return { handle: await createDbHandle({ pglite }), pglite };
}

async function runChild(config: ChildConfig): Promise<void> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const { setDbHandle } = await import("@/server/lib/db");
  const { importWorkerCount, runImport } = await import("@/server/services/imports");
  const { handle } = await openDb(config);
  setDbHandle(handle);
  const ctx = {
    db: handle.db,
    workspaceId: config.workspaceId,
    actor: { type: "user" as const, userId: config.userId, role: "marketer" as const },
    now: () => new Date(),
  };
  const startRss = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  // Progress as the UI sees it (the committed counters), polled: when each slice of rows was done.
  const { imports } = await import("@/db/schema");
  const { eq } = await import("drizzle-orm");
  const sliceRows = sliceRowsFor(config.size);
  const sliceEnds: ChildResult["sliceEnds"] = [];
  let polling = true;
  // A slice end between two samples is placed by linear interpolation (a sample can cross several
  // ends at once when the poll waits behind a batch, e.g. on PGlite's single connection).
  let last = { processed: 0, seconds: 0 };
  const poll = (async () => {
    while (polling) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [row] = await handle.db
        .select({ processed: imports.processedRows })
        .from(imports)
        .where(eq(imports.id, config.importId));
      const seconds = (performance.now() - started) / 1000;
      if (!row || row.processed <= last.processed) continue;
      while (row.processed >= (sliceEnds.length + 1) * sliceRows) {
        const rows = (sliceEnds.length + 1) * sliceRows;
        const at =
          last.seconds + ((rows - last.processed) / (row.processed - last.processed)) * (seconds - last.seconds);
        sliceEnds.push({ rows, seconds: at });
      }
      last = { processed: row.processed, seconds };
    }
  })();
  const result = await runImport({
    ctx,
    input: { importId: config.importId, source: fs.createReadStream(config.csvPath, { highWaterMark: 256 * 1024 }) },
  });
  const seconds = (performance.now() - started) / 1000;
  polling = false;
  await poll;
  while (sliceEnds.length * sliceRows < result.processedRows)
    sliceEnds.push({ rows: Math.min(result.processedRows, (sliceEnds.length + 1) * sliceRows), seconds });
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const dbCpuSeconds = config.db === "postgres" ? await backendCpuSeconds(handle) : null;
  const prepareSeconds = await prepareOnly(handle, config);
  await handle.close();
  const out: ChildResult = {
    seconds,
    peakRssMb: Math.round(peak / 1024 / 1024),
    startRssMb: Math.round(startRss / 1024 / 1024),
    processed: result.processedRows,
    inserted: result.insertedRows,
    updated: result.updatedRows,
    rejected: result.rejectedRows,
    consentEvents: result.consentEvents,
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    dbCpuSeconds: dbCpuSeconds === null ? null : Number(dbCpuSeconds.toFixed(2)),
    prepareSeconds: Number(prepareSeconds.toFixed(2)),
    sliceEnds,
    importWorkers: importWorkerCount(),
  };
  console.log(JSON.stringify(out));
}

/**
 * Seconds to run the import's own per-row work over the file with no database: the same CSV
 * reader, batches and `prepareBatch` (validation, phone parsing, blind indexes, AES-GCM) as
 * `runImport`. What no writer can go below in this process.
 */
async function prepareOnly(handle: { db: Queryable }, config: ChildConfig): Promise<number> {
  const {
    AddressSeenMap,
    BlindIndexer,
    buildColumnIndex,
    csvRecords,
    IMPORT_BATCH_SIZE,
    PiiBatchEncryptor,
    prepareBatch,
    ZImportMapping,
  } = await import("@/server/services/imports");
  const { imports } = await import("@/db/schema");
  const { eq } = await import("drizzle-orm");
  const [row] = await handle.db
    .select({ mapping: imports.mapping })
    .from(imports)
    .where(eq(imports.id, config.importId));
  const mapping = ZImportMapping.parse(row!.mapping);
  const indexer = new BlindIndexer(config.workspaceId);
  const encryptor = new PiiBatchEncryptor();
  const started = performance.now();
  let columns: ReturnType<typeof buildColumnIndex> | undefined;
  let batch: RawRecord[] = [];
  const prepare = () => {
    const seen = new AddressSeenMap(batch.length * 4);
    prepareBatch(batch, { columns: columns!, region: "US", now: new Date(), extraTags: [], seen, indexer, encryptor });
    batch = [];
  };
  for await (const record of csvRecords(fs.createReadStream(config.csvPath, { highWaterMark: 256 * 1024 }))) {
    if (!columns)
      columns = buildColumnIndex(
        record.cells.map((cell) => cell.trim()),
        mapping,
      );
    else if (batch.push(record) >= IMPORT_BATCH_SIZE) prepare();
  }
  if (batch.length) prepare();
  return (performance.now() - started) / 1000;
}

if (process.env.BENCH_IMPORT_CHILD) {
  runChild(JSON.parse(process.env.BENCH_IMPORT_CHILD) as ChildConfig).catch((error) => {
    console.error(
      error instanceof Error
        ? `${error.name}: ${String((error as { code?: string }).code ?? "")} ${error.message.slice(0, 200)}`
        : error,
    );
    process.exit(1);
  });
}
