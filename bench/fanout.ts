/**
 * Campaign fan-out benchmark: `npm run bench -- fanout [--size N] [--db pglite|postgres] [--explain]`.
 *
 * 1. Set-up (not timed): a scratch database (file-backed PGlite in a temp dir, or a scratch
 *    PostgreSQL database on BENCH_DATABASE_URL / postgres://postgres@127.0.0.1:5432/postgres),
 *    migrated; one workspace with a frequency cap (any channel, every topic: 2 in 7 days) and quiet
 *    hours on (they only move SMS delivery times; an email run's freeze does not read them); a
 *    marketing topic "news" on email (and "offers" on SMS, so consent_states holds more than the
 *    campaign's topic). N contacts (default 1,000,000) seeded set-based (generate_series, one
 *    statement per table; secondary indexes dropped for the load and rebuilt): blind-index-shaped
 *    email/phone hashes and ciphertext-sized address columns, 10 time zones with their phone
 *    countries, 10% without an email. On "news"/email: 10% opted out, 2% no record, 1% pending,
 *    the rest opted in. 2% of the emails suppressed (plus SMS suppressions and suppressions of
 *    addresses no contact has). Recent marketing messages: 5% of contacts have 2 in the last 7
 *    days (capped), others have 1, or 2 older ones, or 2 of which one bounced, or 2 transactional
 *    ones (none of these capped). Then `createCampaign` (email, "news", inline content) and
 *    `scheduleCampaign({})` (send now): one run, `scheduled`.
 * 2. Timed, each in a child process of its own (so its RSS is the step's alone, and both start
 *    from the same state): the baseline, then `freezeRun` — what `advanceRun` does first with a
 *    scheduled run: the audience fixed in `campaign_recipients` by one INSERT … SELECT, its counts,
 *    the run moved to `sending` — then the baseline again. Statements are counted with a drizzle
 *    logger on the child's handle (every query the service runs; the BEGIN and COMMIT the drivers
 *    send for a transaction are not counted). RSS is sampled every 25 ms. `BENCH_DEBUG=1` lists
 *    the statements; `BENCH_KEEP=1` keeps the database afterwards.
 * 3. Baseline, same database: a plain `INSERT INTO bench_recipients SELECT … FROM contacts` of the
 *    audience (every contact with an email, not erased) into a table `LIKE campaign_recipients
 *    INCLUDING ALL` (same columns, primary key and indexes, no foreign key). `baselineMs` is the
 *    faster of the two runs (before and after the freeze).
 * 4. Checks: recipients by status and reason against an independent query over the seed tables
 *    (joins and a grouped count of recent sends, written apart from server/services/campaigns/
 *    audience.ts), and row by row (`rowMismatches`); the run must be `sending`. Any difference
 *    exits 1 after the summary. `--explain` then prints EXPLAIN (ANALYZE, BUFFERS) of the freeze's
 *    INSERT to stderr (in a transaction rolled back).
 * Last stdout line: one JSON object (ms, baselineMs, ratio, statements, peakRssMb, counts,
 * countsMatch…). Progress goes to stderr.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { createScratchDatabase, type ScratchDatabase } from "./lib/scratch";
import { seedWithoutIndexes } from "./lib/seed";
import type { BenchOptions } from "./run";

const DEFAULT_SIZE = 1_000_000;
/** Cap of the workspace: at most 2 marketing messages in 7 days, any channel, any topic. */
const CAP = { channel: "any" as const, topicKey: null, max: 2, days: 7 };
const ZONES: [zone: string, country: string][] = [
  ["America/New_York", "US"],
  ["America/Chicago", "US"],
  ["America/Denver", "US"],
  ["America/Los_Angeles", "US"],
  ["America/Phoenix", "US"],
  ["Europe/London", "GB"],
  ["Europe/Berlin", "DE"],
  ["Europe/Paris", "FR"],
  ["Asia/Tokyo", "JP"],
  ["Australia/Sydney", "AU"],
];

const log = (message: string) => console.error(`[bench fanout] ${message}`);

interface DbConfig {
  db: "pglite" | "postgres";
  url?: string;
  pgliteDir?: string;
}

interface ChildConfig extends DbConfig {
  mode: "freeze" | "baseline";
  workspaceId: string;
  runId: string;
}

interface FreezeResult {
  ms: number;
  statements: number;
  step: unknown;
  peakRssMb: number;
  startRssMb: number;
  /** The freeze's INSERT (the longest statement) and its parameters, for `--explain`. */
  insert: { text: string; params: unknown[] };
}

interface BaselineResult {
  ms: number;
  rows: number;
  peakRssMb: number;
}

async function openDb(config: DbConfig, logger?: Logger): Promise<DbHandle> {
  const { createDbHandle } = await import("@/db/client");
  if (config.db === "postgres") return createDbHandle({ databaseUrl: config.url!, maxConnections: 4, logger });
  return createDbHandle({ pgliteDir: config.pgliteDir!, logger });
}

// ─── set-up ──────────────────────────────────────────────────────────────────

/** Bucket 0–99 of contact k for one property: independent per salt, the same in every statement. */
const bucket = (salt: number) => `(((hashint8extended(k, ${salt}) % 100) + 100) % 100)`;
const EMAIL_BUCKET = bucket(1);
const ZONE_BUCKET = bucket(2);
const CONSENT_BUCKET = bucket(3);
const SUPPRESSION_BUCKET = bucket(4);
const SENDS_BUCKET = bucket(5);
const HAS_EMAIL = `${EMAIL_BUCKET} >= 10`;
const contactId = "md5('contact:' || k)::uuid";
const emailHash = "encode(sha256(convert_to('email:' || k, 'UTF8')), 'hex')";
const phoneHash = "encode(sha256(convert_to('phone:' || k, 'UTF8')), 'hex')";
/** The app's envelope is `v1.<key id>.<base64>`, 74 characters for an email, 61 for a phone. */
const ciphertext = (tag: string, length: number) =>
  `'v1.b1.' || left(encode(sha256(convert_to('${tag}:' || k, 'UTF8')) || sha256(convert_to('${tag}2:' || k, 'UTF8')), 'base64'), ${length - 6})`;

/**
 * Seeds the contacts and what the freeze reads, one statement per table from generate_series
 * ($1 workspace, $2 N, $3 the seed's "now", $4 topic "news", $5 topic "offers"). Secondary
 * indexes are dropped for the load and rebuilt from the catalog's definitions.
 */
async function seed(handle: DbHandle, size: number, ids: { workspaceId: string; newsId: string; offersId: string }) {
  const zones = `array[${ZONES.map(([z]) => `'${z}'`).join(", ")}]`;
  const countries = `array[${ZONES.map(([, c]) => `'${c}'`).join(", ")}]`;
  const params = [ids.workspaceId, size, new Date().toISOString(), ids.newsId, ids.offersId];
  const statements: [label: string, text: string][] = [
    [
      "contacts",
      `insert into contacts (id, workspace_id, email_ciphertext, email_hash, phone_ciphertext, phone_hash, timezone,
                             phone_country, created_at, updated_at)
       select ${contactId}, $1::uuid,
              case when ${HAS_EMAIL} then ${ciphertext("ec", 74)} end,
              case when ${HAS_EMAIL} then ${emailHash} end,
              ${ciphertext("pc", 61)}, ${phoneHash},
              (${zones})[1 + ${ZONE_BUCKET} % 10], (${countries})[1 + ${ZONE_BUCKET} % 10],
              $3::timestamptz - make_interval(secs => k), $3::timestamptz - make_interval(secs => k)
         from generate_series(1, $2::bigint) as k`,
    ],
    [
      "consent_states",
      `insert into consent_states (workspace_id, contact_id, channel, topic_id, status, source, event_id, occurred_at,
                                   recorded_at, updated_at)
       select $1::uuid, ${contactId}, 'email'::channel, $4::uuid,
              (case when ${CONSENT_BUCKET} < 10 then 'opted_out' when ${CONSENT_BUCKET} = 12 then 'pending'
                    else 'opted_in' end)::consent_status,
              'import'::consent_source, gen_random_uuid(), $3::timestamptz - interval '30 days', $3::timestamptz - interval '30 days',
              $3::timestamptz - interval '30 days'
         from generate_series(1, $2::bigint) as k
        where ${CONSENT_BUCKET} not in (10, 11)
       union all
       select $1::uuid, ${contactId}, 'sms'::channel, $5::uuid, 'opted_in'::consent_status, 'form'::consent_source, gen_random_uuid(),
              $3::timestamptz - interval '20 days', $3::timestamptz - interval '20 days', $3::timestamptz - interval '20 days'
         from generate_series(1, $2::bigint) as k
        where ${CONSENT_BUCKET} % 2 = 0`,
    ],
    [
      "suppressions",
      `insert into suppressions (workspace_id, channel, address_hash, reason, source, created_at)
       select $1::uuid, 'email'::channel, ${emailHash},
              (case when ${SUPPRESSION_BUCKET} = 0 then 'hard_bounce' else 'complaint' end)::suppression_reason,
              'provider'::text, $3::timestamptz - interval '60 days'
         from generate_series(1, $2::bigint) as k
        where ${HAS_EMAIL} and ${SUPPRESSION_BUCKET} < 2
       union all
       select $1::uuid, 'sms'::channel, ${phoneHash}, 'sms_stop'::suppression_reason, 'sms_keyword', $3::timestamptz - interval '60 days'
         from generate_series(1, $2::bigint) as k
        where ${SUPPRESSION_BUCKET} = 2
       union all
       select $1::uuid, 'email'::channel, encode(sha256(convert_to('gone:' || k, 'UTF8')), 'hex'), 'erased'::suppression_reason, 'erasure',
              $3::timestamptz - interval '90 days'
         from generate_series(1, $2::bigint / 100) as k`,
    ],
    [
      "messages",
      // (from, to): the sends bucket range; days ago; status; kind.
      `insert into messages (workspace_id, contact_id, direction, channel, topic_id, topic_key, kind, status, address_hash,
                             attempts, sent_at, created_at, updated_at)
       select $1::uuid, ${contactId}, 'outbound'::message_direction, case when ${HAS_EMAIL} then 'email' else 'sms' end::channel,
              case when v.kind = 'marketing' then $4::uuid end, case when v.kind = 'marketing' then 'news' end,
              v.kind::message_kind, v.status::message_status,
              case when ${HAS_EMAIL} then ${emailHash} else ${phoneHash} end, 1,
              t.at, t.at, t.at
         from generate_series(1, $2::bigint) as k
         join (values (0, 5, 1, 'delivered', 'marketing'), (0, 5, 3, 'sent', 'marketing'),
                      (5, 15, 2, 'delivered', 'marketing'),
                      (15, 20, 10, 'delivered', 'marketing'), (15, 20, 12, 'delivered', 'marketing'),
                      (20, 22, 1, 'bounced', 'marketing'), (20, 22, 2, 'delivered', 'marketing'),
                      (22, 23, 1, 'delivered', 'transactional'), (22, 23, 2, 'delivered', 'transactional'))
              as v(lo, hi, days, status, kind)
           on ${SENDS_BUCKET} >= v.lo and ${SENDS_BUCKET} < v.hi
        cross join lateral (select $3::timestamptz - make_interval(days => v.days, secs => (k % 3600)::int) as at) as t`,
    ],
  ];
  const tables = ["contacts", "consent_states", "suppressions", "messages"];
  await seedWithoutIndexes(handle, { tables, statements, params }, log);
  for (const table of tables) await handle.queryRows(`vacuum analyze ${table}`);
}

async function setUp(config: DbConfig, size: number): Promise<{ workspaceId: string; runId: string }> {
  const { runMigrations } = await import("@/db/migrate");
  const { createCampaign, scheduleCampaign } = await import("@/server/services/campaigns");
  const { createTopic } = await import("@/server/services/topics");
  const { createMember, createWorkspace } = await import("@/tests/factories");
  const handle = await openDb(config);
  try {
    await runMigrations(handle);
    const workspace = await createWorkspace(handle.db, {
      defaultRegion: "US",
      settings: {
        messaging: {
          quietHours: { enabled: true, start: "08:00", end: "21:00", stateRules: true },
          frequencyCaps: [CAP],
          timezone: "America/New_York",
        },
      },
    });
    const { ctx } = await createMember(handle.db, workspace.id, "admin");
    const news = await createTopic({
      ctx,
      input: { key: "news", name: "News", channels: ["email"], kind: "marketing" },
    });
    const offers = await createTopic({
      ctx,
      input: { key: "offers", name: "Offers", channels: ["sms"], kind: "marketing" },
    });
    log(`seeding ${size} contacts (${config.db})…`);
    const started = performance.now();
    await seed(handle, size, { workspaceId: workspace.id, newsId: news.id, offersId: offers.id });
    log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const campaign = await createCampaign({
      ctx,
      input: {
        name: "Fan-out benchmark",
        channel: "email",
        topic: "news",
        content: { subject: "This week's news", text: "Hello from the fan-out benchmark." },
      },
    });
    const { runIds } = await scheduleCampaign({ ctx, input: { id: campaign.id } });
    if (runIds.length !== 1) throw new Error("scheduleCampaign created no run");
    return { workspaceId: workspace.id, runId: runIds[0]! };
  } finally {
    await handle.close();
  }
}

// ─── children: the timed steps ───────────────────────────────────────────────

function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 1024 / 1024);
    },
  };
}

/** The audience's INSERT … SELECT into the copy table: no classification, no joins. */
const BASELINE_SQL = `insert into bench_recipients (run_id, contact_id, workspace_id, status)
  select $1::uuid, c.id, c.workspace_id, 'pending'
    from contacts c
   where c.workspace_id = $2::uuid and c.erased_at is null and c.email_hash is not null`;

async function runChild(config: ChildConfig): Promise<void> {
  if (config.mode === "baseline") {
    const handle = await openDb(config);
    await handle.queryRows("create table if not exists bench_recipients (like campaign_recipients including all)");
    await handle.queryRows("truncate bench_recipients");
    await handle.queryRows("checkpoint");
    const sampler = rssSampler();
    const started = performance.now();
    await handle.queryRows(BASELINE_SQL, [config.runId, config.workspaceId]);
    const ms = performance.now() - started;
    const peakRssMb = sampler.stop();
    const [row] = await handle.queryRows<{ n: number }>("select count(*)::int as n from bench_recipients");
    await handle.close();
    const result: BaselineResult = { ms: Math.round(ms), rows: Number(row!.n), peakRssMb };
    console.log(JSON.stringify(result));
    return;
  }

  let statements = 0;
  let insert: FreezeResult["insert"] = { text: "", params: [] };
  let counting = false;
  const logger: Logger = {
    logQuery(query, params) {
      if (!counting) return;
      statements++;
      if (process.env.BENCH_DEBUG) console.error(`[statement] ${query.replace(/\s+/g, " ").slice(0, 160)}`);
      if (query.length > insert.text.length) insert = { text: query, params };
    },
  };
  const handle = await openDb(config, logger);
  const { setDbHandle } = await import("@/server/lib/db");
  const { freezeRun } = await import("@/server/services/campaigns");
  setDbHandle(handle);
  await handle.queryRows("checkpoint");
  const now = new Date();
  const startRssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
  const sampler = rssSampler();
  counting = true;
  const started = performance.now();
  const step = await freezeRun({ ctx: { db: handle.db, now: () => now }, input: { runId: config.runId } });
  const ms = performance.now() - started;
  counting = false;
  const peakRssMb = sampler.stop();
  await handle.close();
  const result: FreezeResult = { ms: Math.round(ms), statements, step, peakRssMb, startRssMb, insert };
  console.log(JSON.stringify(result));
}

function runChildProcess<T>(config: ChildConfig): Promise<T> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the timed steps.
    const extra = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const child = spawn(process.execPath, [...extra, "--import", "tsx", self], {
      env: { ...process.env, BENCH_FANOUT_CHILD: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "inherit"],
      cwd: path.resolve(path.dirname(self), ".."),
    });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`${config.mode} child exited with ${code}: ${last.slice(0, 300)}`));
      resolve(JSON.parse(last) as T);
    });
  });
}

// ─── checks ──────────────────────────────────────────────────────────────────

interface Counts {
  pending: number;
  blocked: Record<string, number>;
}

/**
 * What the freeze must have written, from the seed tables alone: the audience is every contact
 * of the workspace with an email and not erased; the first reason that applies wins: suppressed
 * email, opted out, no opt-in (no record, or pending), 2+ marketing messages in flight or accepted
 * in the 7 days before the freeze. Written apart from audience.ts on purpose.
 */
function expectedSql(): string {
  return `
    with recent as (
      select m.contact_id, count(*) as sends
        from messages m
       where m.workspace_id = $1::uuid and m.direction = 'outbound' and m.kind = 'marketing'
         and m.status in ('queued', 'deferred', 'sending', 'sent', 'delivered')
         and m.created_at > $2::timestamptz - interval '${CAP.days} days' and m.created_at <= $2::timestamptz
       group by m.contact_id
    ),
    expected as (
      select c.id,
             case when s.address_hash is not null then 'suppressed'
                  when cs.status = 'opted_out' then 'opted_out'
                  when cs.status is null or cs.status = 'pending' then 'no_consent'
                  when r.sends >= ${CAP.max} then 'frequency_cap'
             end as reason
        from contacts c
        left join suppressions s
          on s.workspace_id = c.workspace_id and s.channel = 'email' and s.address_hash = c.email_hash
        left join consent_states cs
          on cs.workspace_id = c.workspace_id and cs.contact_id = c.id and cs.channel = 'email' and cs.topic_id = $3::uuid
        left join recent r on r.contact_id = c.id
       where c.workspace_id = $1::uuid and c.email_hash is not null and c.erased_at is null
    )`;
}

async function check(handle: DbHandle, workspaceId: string, runId: string) {
  const [run] = await handle.queryRows<{ status: string; frozen_at: string | Date; topic_id: string }>(
    `select r.status, r.frozen_at, c.topic_id from campaign_runs r join campaigns c on c.id = r.campaign_id
      where r.id = $1::uuid`,
    [runId],
  );
  const frozenAt = new Date(run!.frozen_at).toISOString();
  const params = [workspaceId, frozenAt, run!.topic_id];
  const toCounts = (rows: { status: string; reason: string | null; n: number }[]): Counts => {
    const counts: Counts = { pending: 0, blocked: {} };
    for (const r of rows) {
      if (r.status === "pending" && r.reason === null) counts.pending += Number(r.n);
      else counts.blocked[`${r.status === "blocked" ? "" : `${r.status}:`}${r.reason}`] = Number(r.n);
    }
    return counts;
  };
  const stored = toCounts(
    await handle.queryRows(
      `select status, reason, count(*)::int as n from campaign_recipients where run_id = $1::uuid
        group by status, reason order by status, reason`,
      [runId],
    ),
  );
  const expected = toCounts(
    await handle.queryRows(
      `${expectedSql()}
       select case when reason is null then 'pending' else 'blocked' end as status, reason, count(*)::int as n
         from expected group by reason order by reason`,
      params,
    ),
  );
  const [rowCheck] = await handle.queryRows<{ n: number }>(
    `${expectedSql()}
     select count(*)::int as n
       from expected e
       full join (select contact_id, status, reason from campaign_recipients where run_id = $4::uuid) r
         on r.contact_id = e.id
      where e.id is null or r.contact_id is null or r.reason is distinct from e.reason
         or r.status <> case when e.reason is null then 'pending' else 'blocked' end`,
    [...params, runId],
  );
  return { runStatus: run!.status, stored, expected, rowMismatches: Number(rowCheck!.n) };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the freeze's INSERT, in a transaction that is rolled back. */
async function explainFreeze(handle: DbHandle, runId: string, insert: FreezeResult["insert"]): Promise<string> {
  const { sql } = await import("drizzle-orm");
  const { resultRows } = await import("@/db/map-rows");
  const literal = (value: unknown) =>
    typeof value === "number" ? String(value) : `'${String(value).replace(/'/g, "''")}'`;
  const text = insert.text.replace(/\$(\d+)/g, (_, i: string) => literal(insert.params[Number(i) - 1]));
  let plan = "";
  await handle.db
    .transaction(async (tx) => {
      await tx.execute(sql`delete from campaign_recipients where run_id = ${runId}::uuid`);
      const rows = resultRows<Record<string, string>>(
        await tx.execute(sql.raw(`explain (analyze, buffers, verbose off) ${text}`)),
      );
      plan = rows.map((r) => Object.values(r)[0]).join("\n");
      tx.rollback();
    })
    .catch((error: unknown) => {
      if (!plan) throw error;
    });
  return plan;
}

// ─── parent ──────────────────────────────────────────────────────────────────

export async function run(options: BenchOptions): Promise<void> {
  const size = options.size ?? DEFAULT_SIZE;
  const explain = options.args.includes("--explain");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "optin-bench-fanout-"));
  let scratch: ScratchDatabase | undefined;
  try {
    if (options.db === "postgres") scratch = await createScratchDatabase("optin_bench_fanout");
    const config: DbConfig = { db: options.db, url: scratch?.url, pgliteDir: path.join(tmp, "pglite") };
    const { workspaceId, runId } = await setUp(config, size);
    const child = { ...config, workspaceId, runId };

    log("baseline (INSERT … SELECT into a copy of campaign_recipients)…");
    const base1 = await runChildProcess<BaselineResult>({ ...child, mode: "baseline" });
    log(`baseline: ${base1.rows} rows in ${base1.ms} ms`);
    log("freezeRun…");
    const freeze = await runChildProcess<FreezeResult>({ ...child, mode: "freeze" });
    log(`freeze: ${freeze.ms} ms, ${freeze.statements} statements, peak RSS ${freeze.peakRssMb} MB`);
    const base2 = await runChildProcess<BaselineResult>({ ...child, mode: "baseline" });
    log(`baseline again: ${base2.rows} rows in ${base2.ms} ms`);

    const handle = await openDb(config);
    let result: Awaited<ReturnType<typeof check>>;
    let plan: string | undefined;
    try {
      result = await check(handle, workspaceId, runId);
      if (explain) plan = await explainFreeze(handle, runId, freeze.insert);
    } finally {
      await handle.close();
    }
    if (plan) console.error(`[bench fanout] EXPLAIN ANALYZE of the freeze's INSERT:\n${plan}`);

    const recipients = result.stored.pending + Object.values(result.stored.blocked).reduce((a, b) => a + b, 0);
    const countsMatch =
      JSON.stringify(sorted(result.stored)) === JSON.stringify(sorted(result.expected)) &&
      result.rowMismatches === 0 &&
      result.runStatus === "sending" &&
      recipients === base1.rows &&
      base1.rows === base2.rows;
    const baselineMs = Math.min(base1.ms, base2.ms);
    const summary = {
      name: "fanout",
      db: options.db,
      size,
      ms: freeze.ms,
      baselineMs,
      ratio: Number((freeze.ms / Math.max(1, baselineMs)).toFixed(2)),
      statements: freeze.statements,
      peakRssMb: freeze.peakRssMb,
      startRssMb: freeze.startRssMb,
      baselinePeakRssMb: Math.max(base1.peakRssMb, base2.peakRssMb),
      baselineRunsMs: [base1.ms, base2.ms],
      recipients,
      recipientsPerSec: Math.round(recipients / (freeze.ms / 1000)),
      runStatus: result.runStatus,
      counts: result.stored,
      ...(countsMatch ? {} : { expected: result.expected }),
      rowMismatches: result.rowMismatches,
      targets: {
        ratio: freeze.ms / Math.max(1, baselineMs) <= 2,
        ratioStretch: freeze.ms / Math.max(1, baselineMs) <= 1.5,
        peakRss: freeze.peakRssMb <= 300,
      },
      cpus: os.cpus().length,
      loadAverage: Number(os.loadavg()[0]!.toFixed(2)),
      countsMatch,
    };
    console.log(JSON.stringify(summary));
    if (!countsMatch)
      throw new Error(
        `recipients differ from the independent count (run ${result.runStatus}, ${result.rowMismatches} rows differ)`,
      );
  } finally {
    // BENCH_KEEP=1 keeps the database for profiling by hand (PostgreSQL: the scratch database; PGlite: its directory).
    if (process.env.BENCH_KEEP) {
      if (scratch) {
        await scratch.keep();
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      log(`kept: ${scratch ? scratch.url : path.join(tmp, "pglite")}`);
    } else {
      if (scratch) await scratch.drop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
}

/** Counts with their reasons in a stable order, for comparison. */
function sorted(counts: Counts): Counts {
  return {
    pending: counts.pending,
    blocked: Object.fromEntries(Object.entries(counts.blocked).sort(([a], [b]) => a.localeCompare(b))),
  };
}

if (process.env.BENCH_FANOUT_CHILD) {
  runChild(JSON.parse(process.env.BENCH_FANOUT_CHILD) as ChildConfig).catch((error) => {
    console.error(
      error instanceof Error
        ? `${error.name}: ${String((error as { code?: string }).code ?? "")} ${error.message.slice(0, 300)}`
        : error,
    );
    process.exit(1);
  });
}
