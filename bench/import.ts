/**
 * CSV import benchmark: `npm run bench -- import [--size N] [--db pglite|postgres]`.
 *
 * 1. Set-up (not timed): a scratch database (file-backed PGlite in a temp dir, or a scratch
 *    PostgreSQL database on BENCH_DATABASE_URL / postgres://postgres@127.0.0.1:5432/postgres),
 *    migrated, one workspace with its default topics, 20% of the file's addresses pre-seeded as
 *    contacts (set-based), and a CSV of N rows on disk: email, phone, timezone, 3 custom fields,
 *    consent source + timestamp + status; 3% invalid rows, 5% in-file duplicates.
 * 2. Timed, in a child process (so its RSS is the import's alone; bench/import-child.ts, run from
 *    an esbuild bundle): `runImport` — the same code path as the upload route — reading the file
 *    as a stream. RSS is sampled every 50 ms
 *    (`peakRssMb`; `importRssMb` is the growth over the RSS when the import starts). Then,
 *    not counted in the import's time, CPU or RSS: the same file through the import's own per-row
 *    work alone (parse, validate, hash, encrypt; no database) — `prepareSeconds`, the floor.
 * 3. Baseline, same database: plain COPY of the same file into an unindexed staging table
 *    (postgres.js `COPY … FROM STDIN`, or PGlite `COPY … FROM '/dev/blob'`).
 * Last stdout line: one JSON object (rowsPerSec, baselineRowsPerSec, ratio, peakRssMb, rows, rejected,
 * prepareRowsPerSec, `slices`: rows/s of each consecutive `sliceRows` rows — 100k from 500k rows
 * up, else a tenth of the file — from the committed progress counters polled every 200 ms,
 * `importWorkers`: the preparation threads, IMPORT_WORKERS or one per core but one, none on two
 * cores or fewer…). The import stages each batch's rows with COPY (a temporary table per batch
 * transaction) before its set-based merges, so `ratio` compares COPY-plus-merges with COPY alone.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { openDb, sliceRowsFor, type ChildConfig, type ChildResult } from "./import-child";
import type { BenchOptions } from "./run";

const DEFAULT_SIZE = 1_000_000;
const AREA_CODES = ["212", "312", "415", "617", "646", "718", "917", "213", "310", "202"];
const HEADER = "email,phone,timezone,plan,city,score,consent_source,consent_at,consent";
const TIMEZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Berlin"];
const CITIES = ["Springfield", "Riverside", "Franklin", "Greenville", "Bristol"];

/** Address k: a unique email and a unique valid US number (for k < 70 million). */
const emailOf = (k: number) => `user${k}@example.com`;
function phoneOf(k: number): string {
  const exchange = 200 + (Math.floor(k / 10) % 700);
  const line = Math.floor(k / 7000) % 10_000;
  return `+1${AREA_CODES[k % 10]}${exchange}${String(line).padStart(4, "0")}`;
}

/** Row i's role: 3% invalid, 5% duplicates of an earlier row, 20% already in the database. */
function kindOf(i: number): "invalid" | "duplicate" | "existing" | "new" {
  const r = i % 100;
  if (r < 3) return "invalid";
  if (r < 8) return i >= 50 ? "duplicate" : "new";
  if (r >= 10 && r < 30) return "existing";
  return "new";
}

function csvRow(i: number): string {
  const kind = kindOf(i);
  const k = kind === "duplicate" ? i - 50 : i;
  const email = kind === "invalid" ? `user${i}@@invalid` : emailOf(k);
  const phone = kind === "invalid" ? "12" : phoneOf(k);
  const consent = i % 10 === 9 ? "no" : "yes";
  const day = String(1 + (i % 28)).padStart(2, "0");
  return `${email},${phone},${TIMEZONES[i % 5]},plan-${i % 7},${CITIES[i % 5]},${i % 1000},web form,2024-03-${day}T10:00:00Z,${consent}\n`;
}

async function writeCsv(file: string, size: number): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write(`${HEADER}\n`);
  for (let start = 0; start < size; start += 10_000) {
    let chunk = "";
    for (let i = start; i < Math.min(size, start + 10_000); i++) chunk += csvRow(i);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

// ─── parent: set-up, child, baseline ─────────────────────────────────────────

async function seedExisting(
  handle: Awaited<ReturnType<typeof openDb>>["handle"],
  workspaceId: string,
  size: number,
): Promise<number> {
  const { BlindIndexer, PiiBatchEncryptor } = await import("@/server/services/imports");
  const { normalizePhone } = await import("@/server/lib/addresses");
  const indexer = new BlindIndexer(workspaceId);
  const encryptor = new PiiBatchEncryptor();
  let seeded = 0;
  const ids: number[] = [];
  for (let i = 0; i < size; i++) if (kindOf(i) === "existing") ids.push(i);
  for (let at = 0; at < ids.length; at += 10_000) {
    const chunk = ids.slice(at, at + 10_000);
    const cols = { ec: [] as string[], eh: [] as string[], pc: [] as string[], ph: [] as string[] };
    for (const k of chunk) {
      const email = emailOf(k);
      const phone = normalizePhone(phoneOf(k), "US");
      if (!phone.ok) throw new Error("bench phone generator produced an invalid number");
      cols.ec.push(encryptor.encrypt(email, "contact.email"));
      cols.eh.push(indexer.hash("email", email));
      cols.pc.push(encryptor.encrypt(phone.value, "contact.phone"));
      cols.ph.push(indexer.hash("phone", phone.value));
    }
    await handle.queryRows(
      `insert into contacts (workspace_id, email_ciphertext, email_hash, phone_ciphertext, phone_hash, attributes, tags)
       select $1::uuid, ec, eh, pc, ph, '{"seeded": "yes"}'::jsonb, '{seeded}'::text[]
         from unnest($2::text[], $3::text[], $4::text[], $5::text[]) as u(ec, eh, pc, ph)`,
      [workspaceId, cols.ec, cols.eh, cols.pc, cols.ph],
    );
    seeded += chunk.length;
  }
  return seeded;
}

/**
 * The child's entry (bench/import-child.ts) bundled by esbuild (CommonJS, like the worker bundles)
 * and run with plain node: the import runs from compiled code holding only what it loads, as in a
 * production build. Under the TypeScript loader the benches use, every module's source and source
 * map sat in the heap (90 MB more RSS at the start), and V8 lets the old generation grow in
 * proportion to the live heap between collections, so the peak measured was mostly the loader's.
 * BENCH_IMPORT_TSX=1 runs the child under the loader again.
 */
async function childEntry(root: string): Promise<string[]> {
  const source = path.join(root, "bench", "import-child.ts");
  if (process.env.BENCH_IMPORT_TSX === "1") return ["--import", "tsx", source];
  const esbuild = await import("esbuild");
  const outfile = path.join(root, "node_modules", ".cache", "optin-bench", "import-child.cjs");
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [source],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    outfile,
    // PGlite finds its WebAssembly files next to its own module: loaded from node_modules.
    external: ["@electric-sql/pglite"],
    logLevel: "error",
  });
  return [outfile];
}

async function runChildProcess(config: ChildConfig): Promise<ChildResult> {
  const self = fileURLToPath(import.meta.url);
  const root = path.resolve(path.dirname(self), "..");
  const entry = await childEntry(root);
  return new Promise((resolve, reject) => {
    // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the timed import alone.
    const extra = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const child = spawn(process.execPath, [...extra, ...entry], {
      env: { ...process.env, BENCH_IMPORT_CHILD: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "inherit"],
      cwd: root,
    });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`import child exited with ${code}: ${last.slice(0, 300)}`));
      resolve(JSON.parse(last) as ChildResult);
    });
  });
}

export async function run(options: BenchOptions): Promise<void> {
  const size = options.size ?? DEFAULT_SIZE;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "optin-bench-import-"));
  const csvPath = path.join(tmp, "contacts.csv");
  const scratch = `optin_bench_${randomBytes(4).toString("hex")}`;
  const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  let url: string | undefined;
  const postgres = (await import("postgres")).default;
  const admin = options.db === "postgres" ? postgres(adminUrl, { max: 1, onnotice: () => {} }) : undefined;
  const log = (message: string) => console.log(`[bench import] ${message}`);

  try {
    if (admin) {
      await admin.unsafe(`create database "${scratch}"`);
      const u = new URL(adminUrl);
      u.pathname = `/${scratch}`;
      url = u.toString();
    }
    const dbConfig = { db: options.db, url, pgliteDir: path.join(tmp, "pglite") };

    // 1. Set-up.
    const { runMigrations } = await import("@/db/migrate");
    const { createImport } = await import("@/server/services/imports");
    const { ensureDefaultTopics } = await import("@/server/services/topics");
    const { createMember, createWorkspace } = await import("@/tests/factories");
    let { handle } = await openDb(dbConfig);
    await runMigrations(handle);
    const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
    await ensureDefaultTopics(handle.db, ws.id, new Date());
    const { user, ctx } = await createMember(handle.db, ws.id, "marketer");
    let t = performance.now();
    const seeded = await seedExisting(handle, ws.id, size);
    log(`seeded ${seeded} existing contacts in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    await writeCsv(csvPath, size);
    log(
      `wrote ${size} rows (${(fs.statSync(csvPath).size / 1024 / 1024).toFixed(1)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const created = await createImport({
      ctx,
      input: {
        filename: "bench.csv",
        mapping: {
          email: "email",
          phone: "phone",
          timezone: "timezone",
          consentSource: "consent_source",
          consentAt: "consent_at",
          consentStatus: "consent",
          attributes: { plan: "plan", city: "city", score: "score" },
        },
        topicKeys: ["newsletter", "promotions"],
        channels: ["email", "sms"],
      },
    });
    if (options.db === "postgres") await handle.queryRows("vacuum analyze");
    await handle.close();

    // 2. The import, timed in a child process.
    log(`importing through runImport (${options.db})…`);
    const result = await runChildProcess({
      ...dbConfig,
      csvPath,
      size,
      importId: created.id,
      workspaceId: ws.id,
      userId: user.id,
    });
    log(`import: ${result.seconds.toFixed(1)} s, peak RSS ${result.peakRssMb} MB`);

    // 3. Baseline COPY of the same file into an unindexed staging table.
    const reopened = await openDb(dbConfig);
    handle = reopened.handle;
    await handle.queryRows(
      `create table bench_staging (${HEADER.split(",")
        .map((c) => `${c} text`)
        .join(", ")})`,
    );
    t = performance.now();
    if (options.db === "postgres") {
      const sql = postgres(url!, { max: 1, onnotice: () => {} });
      const writable = await sql`copy bench_staging from stdin with (format csv, header true)`.writable();
      await pipeline(fs.createReadStream(csvPath, { highWaterMark: 256 * 1024 }), writable);
      await sql.end();
    } else {
      const blob = new Blob([fs.readFileSync(csvPath)]);
      await reopened.pglite!.query("copy bench_staging from '/dev/blob' with (format csv, header true)", [], { blob });
    }
    const copySeconds = (performance.now() - t) / 1000;
    const [copied] = await handle.queryRows<{ n: number }>("select count(*)::int as n from bench_staging");
    await handle.close();
    log(`COPY baseline: ${copied?.n} rows in ${copySeconds.toFixed(1)} s`);

    const slices = result.sliceEnds.map((end, i, all) => {
      const from = i === 0 ? { rows: 0, seconds: 0 } : all[i - 1]!;
      return Math.round((end.rows - from.rows) / Math.max(0.001, end.seconds - from.seconds));
    });
    // The keys bench/RESULTS.md shows come first (its figures cell keeps the first 16 scalars).
    const summary = {
      bench: "import",
      db: options.db,
      rows: size,
      rowsPerSec: Math.round(size / result.seconds),
      baselineRowsPerSec: Math.round(size / copySeconds),
      ratio: Number((result.seconds / copySeconds).toFixed(2)),
      peakRssMb: result.peakRssMb,
      // Rows/s of each consecutive slice of the file (sliceRows rows each): flat when lookups and
      // writes do not slow down as the tables grow. `slicesText` is the same, for the results table.
      sliceRows: sliceRowsFor(size),
      slicesText: slices.join("/"),
      importWorkers: result.importWorkers,
      loadAverage: Number(os.loadavg()[0]!.toFixed(2)),
      cpuSeconds: result.cpuSeconds,
      dbCpuSeconds: result.dbCpuSeconds,
      prepareRowsPerSec: Math.round(size / result.prepareSeconds),
      // What the import itself adds to the process (the rest is Node and the loaded code).
      importRssMb: result.peakRssMb - result.startRssMb,
      seconds: Number(result.seconds.toFixed(2)),
      baselineSeconds: Number(copySeconds.toFixed(2)),
      prepareSeconds: result.prepareSeconds,
      inserted: result.inserted,
      updated: result.updated,
      rejected: result.rejected,
      consentEvents: result.consentEvents,
      slices,
      cpus: os.cpus().length,
    };
    console.log(JSON.stringify(summary));
  } finally {
    if (admin) {
      await admin.unsafe(`drop database if exists "${scratch}" with (force)`).catch(() => {});
      await admin.end();
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
