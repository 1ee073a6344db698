/**
 * Campaign delivery benchmark: `npm run bench -- delivery [--size N] [--db pglite|postgres]
 * [--phases 1,2,3] [--throttled-size M] [--crash-size C] [--delay-ms D] [--no-analyze]`.
 * `BENCH_CPU_PROFILE=<file>` profiles phase 1's timed part.
 *
 * Set-up (not timed): a scratch database (file-backed PGlite in a temp dir, or a scratch PostgreSQL
 * database on BENCH_DATABASE_URL / postgres://postgres@127.0.0.1:5432/postgres), migrated; per
 * phase a workspace of its own (quiet hours and frequency caps off) with its contacts seeded
 * set-based (bench/lib/seed.ts), all opted in to "newsletter" by email, and an email campaign with
 * inline content scheduled now. The provider is bench/lib/email-stub.ts, a Resend-compatible
 * server in a process of its own, reached by the real `resend` SDK through RESEND_BASE_URL; it
 * answers after `--delay-ms` (default 5) and counts deliveries per recipient.
 *
 * 1. Unthrottled (N recipients, default 100,000): the run driven in this process as its job does
 *    (`advanceRun` until it stops, then the in-process outbox's `idle()`, then `advanceRun` once
 *    more to complete it). `ms` runs from the first `advanceRun` (the audience freeze) until the
 *    last message was handed to the provider and recorded sent; `msgPerSec` = sent ÷ that time.
 *    CPU (`cpuMethod`): this process's `process.cpuUsage()`; on PGlite the database runs inside
 *    it, so `appCpuMsPerMsg` is app + database and `dbCpuMsPerMsg` is null; on PostgreSQL,
 *    `dbCpuMsPerMsg` is the CPU of the database's backends read from /proc (local server only).
 *    Baseline, same database: the run's messages copied into a table like `messages` (its
 *    indexes too) as `queued`, then moved to `sent` by one plain UPDATE per CHUNK_SIZE ids;
 *    `ratio` = ms ÷ baselineMs.
 * 2. Throttled (M recipients, default min(N, 3,000)): the workspace limits email to 100/s and
 *    5,000/min, and so does the stub (fixed windows, in emails, on arrival: above either it
 *    answers 429). Single sends (`sendWithConsent`, 10 a second) go through the same outbox and
 *    sender while the run is driven as in 1; the outbox sweep runs at the start of every minute,
 *    as the `dispatch-sweep` cron does. `limitShare` = emails the stub accepted ÷ what the limits
 *    allow, over the steady part (from the first second with a delivery to the second of the
 *    campaign's last one, both ends left out: partial seconds); `overLimit` = 429s answered.
 *    Afterwards the single sends still waiting are delivered (sweep every second) and their
 *    delivery times reported, and each phase's contacts have addresses of their own.
 * 3. Crash (C recipients, default min(N, 10,000)): the run driven in a child process; once half
 *    the emails were delivered the stub holds every call that arrives, the child is killed with
 *    SIGKILL while the provider has them, the provider then completes them (as a provider does for
 *    a caller that died), and a second child (DELIVERY_STUCK_SECONDS=2) carries on: `advanceRun`,
 *    then the sweep every second until the run completes. `duplicates` = emails delivered more
 *    than once to one recipient (at the stub) plus messages beyond one per run × contact (in the
 *    database); `lost` = recipients the stub never received plus recipients without a sent message.
 * Last stdout line: one JSON object (name, db, size, msgPerSec, appCpuMsPerMsg, dbCpuMsPerMsg,
 * cpuMethod, baselineMs, ms, ratio, limitShare, overLimit, duplicates, lost, and per phase
 * details). `duplicates` and `lost` add up every phase that ran. Progress goes to stderr.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DbHandle } from "@/db/client";
import type { SendingContext } from "@/server/services/context";
import type { Outbox } from "@/server/services/messages";
import { startEmailStub, type EmailStub, type StubLimit, type StubStats } from "./lib/email-stub";
import { backendCpuSeconds, numberFlag } from "./lib/proc";
import { createScratchDatabase, type ScratchDatabase } from "./lib/scratch";
import { benchEmail, seedContacts } from "./lib/seed";
import type { BenchOptions } from "./run";

const DEFAULT_SIZE = 100_000;
const THROTTLE_LIMITS: StubLimit[] = [
  { seconds: 1, max: 100 },
  { seconds: 60, max: 5000 },
];
/** Single sends per second during the throttled phase. */
const SINGLES_PER_SECOND = 10;

/**
 * Statistics after seeding (`--no-analyze` leaves them out). PostgreSQL's autovacuum would
 * gather them soon after a load; PGlite has no autovacuum, so without this its planner keeps
 * default estimates (see docs/development.md, "Benchmarks").
 */
let analyzeAfterSeeding = true;

const log = (message: string) => console.error(`[bench delivery] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

interface DbConfig {
  db: "pglite" | "postgres";
  url?: string;
  pgliteDir: string;
}

async function openDb(config: DbConfig): Promise<DbHandle> {
  const { createDbHandle } = await import("@/db/client");
  return config.db === "postgres"
    ? createDbHandle({ databaseUrl: config.url!, maxConnections: 10 })
    : createDbHandle({ pgliteDir: config.pgliteDir });
}

/** The app's env for sending through the stub, then the process's database and outbox. */
async function wire(handle: DbHandle): Promise<Outbox> {
  const { resetEnv } = await import("@/server/lib/env");
  const { setDbHandle } = await import("@/server/lib/db");
  const { buildOutbox, installOutbox } = await import("@/server/wiring");
  resetEnv();
  setDbHandle(handle);
  const outbox = buildOutbox();
  installOutbox(outbox);
  return outbox;
}

// ─── set-up ──────────────────────────────────────────────────────────────────

interface BenchWorkspace {
  workspaceId: string;
  /** A member's sending context (admin). */
  ctx: SendingContext;
  contactIds: string[];
  /** Contact k has the address `benchEmail(first + k)`. */
  first: number;
}

/** A workspace with `count` contacts opted in to "newsletter" by email, no quiet hours or caps. */
async function benchWorkspace(
  handle: DbHandle,
  count: number,
  first: number,
  limits: StubLimit[] = [],
): Promise<BenchWorkspace> {
  const { createMember, createWorkspace } = await import("@/tests/factories");
  const { ensureDefaultTopics } = await import("@/server/services/topics");
  const ws = await createWorkspace(handle.db, {
    defaultRegion: "US",
    settings: {
      messaging: {
        quietHours: { enabled: false, start: "08:00", end: "21:00", stateRules: false },
        frequencyCaps: [],
        sendingLimits: { email: limits, sms: [] },
        timezone: "UTC",
      },
    },
  });
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  const { ctx } = await createMember(handle.db, ws.id, "admin");
  const [topic] = await handle.queryRows<{ id: string }>(
    "select id from topics where workspace_id = $1 and key = 'newsletter'",
    [ws.id],
  );
  const seeded = await seedContacts(
    handle,
    ws.id,
    count,
    [{ id: topic!.id, channel: "email", consentOf: () => "opted_in" }],
    log,
    first,
  );
  log(`seeded ${count} contacts in ${seeded.seconds.toFixed(1)} s`);
  if (analyzeAfterSeeding) await handle.queryRows("vacuum analyze");
  return { workspaceId: ws.id, ctx, contactIds: seeded.ids, first };
}

const CONTENT = {
  subject: "Benchmark news",
  text: "Hello from the delivery benchmark. This is what a short campaign email looks like: a few lines of news, a link or two, and the footer the pipeline adds.",
};

/** An email campaign to every contact of the workspace, scheduled now; answers its run id. */
async function scheduleNow(ctx: BenchWorkspace["ctx"]): Promise<string> {
  const { createCampaign, scheduleCampaign } = await import("@/server/services/campaigns");
  const campaign = await createCampaign({
    ctx,
    input: { name: "Delivery benchmark", channel: "email", topic: "newsletter", content: CONTENT },
  });
  const { runIds } = await scheduleCampaign({ ctx, input: { id: campaign.id } });
  if (runIds.length !== 1) throw new Error("scheduling created no run");
  return runIds[0]!;
}

/**
 * Drives a run as its job does: `advanceRun` while it answers `more` (sleeping through a `wait`),
 * then `waitSettled` (the outbox idle; in phase 2 the sweep too), then once more to complete it.
 */
async function driveRun(
  handle: DbHandle,
  outbox: Outbox,
  runId: string,
  waitSettled: () => Promise<void>,
): Promise<{ chunks: number; firstStepMs: number; recordedMs: number; status: string }> {
  const { advanceRun } = await import("@/server/services/campaigns");
  const { systemClock } = await import("@/server/lib/clock");
  const ctx = { db: handle.db, now: systemClock, outbox };
  const started = performance.now();
  let chunks = 0;
  let firstStepMs = 0;
  for (;;) {
    const step = await advanceRun({ ctx, input: { runId } });
    if (firstStepMs === 0) firstStepMs = performance.now() - started;
    if (step.state === "more") {
      chunks++;
      continue;
    }
    if (step.state === "wait") {
      await sleep(new Date(step.until).getTime() - Date.now());
      continue;
    }
    if (step.status !== "sending")
      return { chunks, firstStepMs, recordedMs: performance.now() - started, status: step.status };
    break;
  }
  const recordedMs = performance.now() - started;
  await waitSettled();
  const end = await advanceRun({ ctx, input: { runId } });
  return { chunks, firstStepMs, recordedMs, status: end.state === "done" ? end.status : end.state };
}

interface RunCounts {
  messages: number;
  sent: number;
  statuses: Record<string, number>;
  /** Contacts with more than one message in the run (beyond the first, summed). */
  extraMessages: number;
  /** Recipients of the run with no sent message. */
  unsent: number;
}

async function runCounts(handle: DbHandle, runId: string): Promise<RunCounts> {
  const statuses = await handle.queryRows<{ status: string; n: number }>(
    "select status::text as status, count(*)::int as n from messages where campaign_run_id = $1 group by status",
    [runId],
  );
  const [extra] = await handle.queryRows<{ n: number }>(
    `select coalesce(sum(n - 1), 0)::int as n
       from (select count(*) as n from messages where campaign_run_id = $1 group by contact_id having count(*) > 1) as d`,
    [runId],
  );
  const [unsent] = await handle.queryRows<{ n: number }>(
    `select count(*)::int as n from campaign_recipients r
      where r.run_id = $1 and r.status <> 'blocked'
        and not exists (select 1 from messages m where m.campaign_run_id = r.run_id and m.contact_id = r.contact_id and m.status = 'sent')`,
    [runId],
  );
  const byStatus = Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)]));
  return {
    messages: statuses.reduce((sum, s) => sum + Number(s.n), 0),
    sent: byStatus.sent ?? 0,
    statuses: byStatus,
    extraMessages: Number(extra!.n),
    unsent: Number(unsent!.n),
  };
}

/** At the stub: emails beyond one per recipient, and the workspace's recipients that received nothing. */
async function stubCheck(
  stub: EmailStub,
  ws: BenchWorkspace,
): Promise<{ duplicates: number; lost: number; recipients: number }> {
  const recipients = await stub.recipients();
  let duplicates = 0;
  for (const n of recipients.values()) if (n > 1) duplicates += n - 1;
  let lost = 0;
  for (let k = 0; k < ws.contactIds.length; k++) if (!recipients.has(benchEmail(ws.first + k))) lost++;
  return { duplicates, lost, recipients: recipients.size };
}

// ─── phase 1: unthrottled ────────────────────────────────────────────────────

/**
 * With BENCH_CPU_PROFILE=<file>, profiles the timed part of phase 1 alone (V8's sampling profiler
 * through node:inspector; open the .cpuprofile in Chrome DevTools). Answers the function that
 * stops it and writes the file.
 */
async function startProfile(): Promise<(() => Promise<void>) | undefined> {
  const file = process.env.BENCH_CPU_PROFILE;
  if (!file) return undefined;
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    log(`CPU profile of phase 1 written to ${file}`);
  };
}

async function unthrottled(handle: DbHandle, outbox: Outbox, stub: EmailStub, size: number, delayMs: number) {
  log(`phase 1: ${size} recipients, no limits, provider answering in ${delayMs} ms`);
  const ws = await benchWorkspace(handle, size, 0);
  await stub.reset();
  await stub.configure({ delayMs, limits: [] });
  const runId = await scheduleNow(ws.ctx);

  const rows = <T>(text: string) => handle.queryRows<T>(text);
  const dbBefore = handle.kind === "postgres" ? await backendCpuSeconds(rows) : null;
  const profile = await startProfile();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const drive = await driveRun(handle, outbox, runId, () => outbox.idle());
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  await profile?.();
  const dbAfter = handle.kind === "postgres" ? await backendCpuSeconds(rows) : null;

  const counts = await runCounts(handle, runId);
  const stats = await stub.stats();
  const atStub = await stubCheck(stub, ws);
  const appCpuMs = (cpu.user + cpu.system) / 1000;
  const dbCpuMs = dbBefore !== null && dbAfter !== null ? (dbAfter - dbBefore) * 1000 : null;
  log(
    `phase 1: ${counts.sent} sent in ${(ms / 1000).toFixed(1)} s (${Math.round((counts.sent * 1000) / ms)} msg/s; freeze ${Math.round(drive.firstStepMs)} ms, all recorded after ${(drive.recordedMs / 1000).toFixed(1)} s), run ${drive.status}`,
  );

  // Baseline: the same rows, queued → sent by one plain UPDATE per chunk of CHUNK_SIZE.
  const { CHUNK_SIZE } = await import("@/server/services/campaigns");
  await handle.queryRows("drop table if exists bench_delivery_copy");
  await handle.queryRows("create table bench_delivery_copy (like messages including defaults including indexes)");
  await handle.queryRows("insert into bench_delivery_copy select * from messages where campaign_run_id = $1", [runId]);
  await handle.queryRows("update bench_delivery_copy set status = 'queued', sent_at = null");
  if (handle.kind === "postgres") await handle.queryRows("vacuum analyze bench_delivery_copy");
  const ids = (
    await handle.queryRows<{ id: string }>("select id::text as id from bench_delivery_copy order by id")
  ).map((r) => r.id);
  const baseStarted = performance.now();
  for (let i = 0; i < ids.length; i += CHUNK_SIZE) {
    await handle.queryRows(
      "update bench_delivery_copy set status = 'sent', sent_at = now(), updated_at = now() where id = any($1::uuid[]) and status = 'queued'",
      [ids.slice(i, i + CHUNK_SIZE)],
    );
  }
  const baselineMs = performance.now() - baseStarted;
  await handle.queryRows("drop table bench_delivery_copy");
  log(`phase 1 baseline: ${ids.length} rows queued → sent in ${Math.round(baselineMs)} ms`);

  return {
    runId,
    size,
    status: drive.status,
    ms: Math.round(ms),
    msgPerSec: Math.round((counts.sent * 1000) / ms),
    freezeMs: Math.round(drive.firstStepMs),
    recordedMs: Math.round(drive.recordedMs),
    chunks: drive.chunks,
    appCpuMsPerMsg: round(appCpuMs / size, 3),
    dbCpuMsPerMsg: dbCpuMs === null ? null : round(dbCpuMs / size, 3),
    baselineMs: Math.round(baselineMs),
    ratio: round(ms / baselineMs, 1),
    sent: counts.sent,
    statuses: counts.statuses,
    providerCalls: stats.calls,
    batchCalls: stats.batchCalls,
    delivered: stats.delivered,
    duplicates: atStub.duplicates + counts.extraMessages,
    lost: atStub.lost + counts.unsent,
  };
}

// ─── phase 2: throttled ──────────────────────────────────────────────────────

/**
 * Emails the limits allow over `[from, to]` (epoch seconds), given what was delivered before
 * `from` in the same minute: per second the smaller of the per-second limit and what is left of
 * the minute's.
 */
function allowedOver(from: number, to: number, perSecond: Map<number, number>, limits: StubLimit[]): number {
  const perSec = limits.find((l) => l.seconds === 1)?.max ?? Infinity;
  const perMin = limits.find((l) => l.seconds === 60)?.max ?? Infinity;
  let allowed = 0;
  let minute = -1;
  let used = 0;
  for (let s = from; s <= to; s++) {
    if (Math.floor(s / 60) !== minute) {
      minute = Math.floor(s / 60);
      used = 0;
      for (let p = minute * 60; p < from; p++) used += perSecond.get(p) ?? 0;
    }
    const room = Math.max(0, Math.min(perSec, perMin - used));
    allowed += room;
    used += room;
  }
  return allowed;
}

async function throttled(
  handle: DbHandle,
  outbox: Outbox,
  stub: EmailStub,
  size: number,
  firstAddress: number,
  delayMs: number,
) {
  log(`phase 2: ${size} recipients, limits 100/s and 5,000/min, ${SINGLES_PER_SECOND} single sends/s alongside`);
  const { sendWithConsent, sweepDueMessages } = await import("@/server/services/messages");
  const { systemClock } = await import("@/server/lib/clock");
  const ws = await benchWorkspace(handle, size, firstAddress, THROTTLE_LIMITS);
  await stub.reset();
  await stub.configure({ delayMs, limits: THROTTLE_LIMITS });
  await handle.queryRows("delete from sender_rate_windows");
  const runId = await scheduleNow(ws.ctx);

  let stop = false;
  const singles = { sent: 0, errors: 0 };
  const singleCtx = {
    db: handle.db,
    workspaceId: ws.workspaceId,
    actor: { type: "system" as const },
    now: systemClock,
    outbox,
  };
  const singlesLoop = (async () => {
    for (let i = 0; !stop; i++) {
      const next = performance.now() + 1000 / SINGLES_PER_SECOND;
      try {
        await sendWithConsent({
          ctx: singleCtx,
          input: {
            contactId: ws.contactIds[i % ws.contactIds.length]!,
            channel: "email",
            topic: "newsletter",
            content: { subject: "Your order", text: "A single send next to the campaign." },
          },
        });
        singles.sent++;
      } catch {
        singles.errors++;
      }
      await sleep(next - performance.now());
    }
  })();
  // The dispatch-sweep cron: at the start of every minute.
  let sweeps = 0;
  const sweepLoop = (async () => {
    while (!stop) {
      const nextMinute = Math.ceil((Date.now() + 1) / 60_000) * 60_000;
      while (!stop && Date.now() < nextMinute) await sleep(Math.min(250, nextMinute - Date.now()));
      if (stop) break;
      try {
        await sweepDueMessages({ ctx: { db: handle.db, now: systemClock, outbox } });
        sweeps++;
      } catch (error) {
        log(`sweep failed: ${(error as Error).message}`);
      }
    }
  })();

  const started = performance.now();
  const startedSecond = Math.floor(Date.now() / 1000);
  const deadline = Date.now() + 15 * 60_000;
  const drive = await driveRun(handle, outbox, runId, async () => {
    await outbox.idle();
    for (;;) {
      const [left] = await handle.queryRows<{ n: number }>(
        "select count(*)::int as n from messages where campaign_run_id = $1 and status in ('queued', 'deferred', 'sending')",
        [runId],
      );
      if (Number(left!.n) === 0 || Date.now() > deadline) return;
      await sleep(500);
    }
  });
  const ms = performance.now() - started;
  stop = true;
  await Promise.all([singlesLoop, sweepLoop]);
  await outbox.idle();

  const counts = await runCounts(handle, runId);
  // The single sends: how many reached the provider while the run held the sender; then the rest
  // (handed back by the limits) are delivered by the sweep, every second here, so none is left
  // behind for the next phase; then how long they took.
  const singlesSql = (what: string) =>
    `select ${what} from messages where workspace_id = $1 and campaign_run_id is null`;
  const [during] = await handle.queryRows<{ n: number }>(
    singlesSql("count(*) filter (where status = 'sent')::int as n"),
    [ws.workspaceId],
  );
  const drainStarted = performance.now();
  for (;;) {
    await outbox.idle();
    const [left] = await handle.queryRows<{ n: number }>(
      singlesSql("count(*) filter (where status in ('queued', 'deferred', 'sending'))::int as n"),
      [ws.workspaceId],
    );
    if (Number(left!.n) === 0 || performance.now() - drainStarted > 120_000) break;
    await sweepDueMessages({ ctx: { db: handle.db, now: systemClock, outbox } });
    await sleep(1000);
  }
  const [single] = await handle.queryRows<{ sent: number; p50: number | null; max: number | null }>(
    singlesSql(`count(*) filter (where status = 'sent')::int as sent,
            percentile_cont(0.5) within group (order by extract(epoch from (sent_at - created_at)) * 1000) as p50,
            max(extract(epoch from (sent_at - created_at)) * 1000)::float8 as max`),
    [ws.workspaceId],
  );
  const [last] = await handle.queryRows<{ at: string | null }>(
    "select (extract(epoch from max(sent_at)) * 1000)::bigint::text as at from messages where campaign_run_id = $1",
    [runId],
  );
  const stats: StubStats = await stub.stats();
  const perSecond = new Map(stats.perSecond);
  const seconds = stats.perSecond.map(([s]) => s).filter((s) => s >= startedSecond);
  const first = seconds[0];
  const lastSecond = last?.at ? Math.floor(Number(last.at) / 1000) : undefined;
  let limitShare: number | null = null;
  let observed = 0;
  let allowed = 0;
  /** The longest stretch of seconds in which the sender got less than half its per-second limit. */
  let longestSlow = 0;
  const half = THROTTLE_LIMITS.find((l) => l.seconds === 1)!.max / 2;
  if (first !== undefined && lastSecond !== undefined && lastSecond - first >= 2) {
    let slow = 0;
    for (let s = first + 1; s <= lastSecond - 1; s++) {
      const n = perSecond.get(s) ?? 0;
      observed += n;
      slow = n < half ? slow + 1 : 0;
      longestSlow = Math.max(longestSlow, slow);
    }
    allowed = allowedOver(first + 1, lastSecond - 1, perSecond, THROTTLE_LIMITS);
    limitShare = allowed > 0 ? round(observed / allowed, 3) : null;
  }
  const busiest = Math.max(0, ...stats.perSecond.map(([, n]) => n));
  const timeline =
    first === undefined
      ? []
      : Array.from({ length: (lastSecond ?? first) - first + 1 }, (_, i) => perSecond.get(first + i) ?? 0);
  log(`phase 2: emails accepted per second from the first delivery: ${timeline.join(" ")}`);
  log(
    `phase 2: campaign ${counts.sent}/${size} sent in ${(ms / 1000).toFixed(1)} s, ${singles.sent} single sends, stub accepted ${observed} of ${allowed} allowed over the steady part (share ${limitShare}), busiest second ${busiest}, longest stretch under half the limit ${longestSlow} s, 429s ${stats.refusedCalls}, sweeps ${sweeps}; single sends delivered ${during!.n} of ${singles.sent} during the run, ${single!.sent} in the end (p50 ${Math.round(Number(single!.p50 ?? 0))} ms, max ${Math.round(Number(single!.max ?? 0))} ms)`,
  );
  return {
    runId,
    size,
    status: drive.status,
    ms: Math.round(ms),
    campaignMsgPerSec: round((counts.sent * 1000) / ms, 1),
    limitShare,
    steadySeconds: first !== undefined && lastSecond !== undefined ? Math.max(0, lastSecond - first - 1) : 0,
    steadyDelivered: observed,
    steadyAllowed: allowed,
    longestSlowSeconds: longestSlow,
    perSecond: timeline,
    busiestSecond: busiest,
    overLimit: stats.refusedCalls,
    overLimitEmails: stats.refusedEmails,
    singlesSent: singles.sent,
    singlesErrors: singles.errors,
    singlesDeliveredDuringRun: Number(during!.n),
    singlesDelivered: Number(single!.sent),
    singlesP50Ms: single!.p50 === null ? null : Math.round(Number(single!.p50)),
    singlesMaxMs: single!.max === null ? null : Math.round(Number(single!.max)),
    sweeps,
    sent: counts.sent,
    statuses: counts.statuses,
    duplicates: counts.extraMessages,
  };
}

// ─── phase 3: crash ──────────────────────────────────────────────────────────

interface ChildConfig extends DbConfig {
  runId: string;
  mode: "run" | "finish";
}

function spawnChild(config: ChildConfig): {
  child: ChildProcess;
  result: Promise<{ code: number | null; signal: string | null; last: string }>;
} {
  const self = fileURLToPath(import.meta.url);
  const extra = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...extra, "--import", "tsx", self], {
    env: { ...process.env, BENCH_DELIVERY_CHILD: JSON.stringify(config), DELIVERY_STUCK_SECONDS: "2" },
    stdio: ["ignore", "pipe", "inherit"],
    cwd: path.resolve(path.dirname(self), ".."),
  });
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  const result = new Promise<{ code: number | null; signal: string | null; last: string }>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal, last: stdout.trim().split("\n").pop() ?? "" }));
  });
  return { child, result };
}

async function crash(
  handle: DbHandle,
  stub: EmailStub,
  size: number,
  firstAddress: number,
  delayMs: number,
  dbConfig: DbConfig,
  reopen: () => Promise<DbHandle>,
): Promise<{ handle: DbHandle; result: Record<string, unknown> & { duplicates: number; lost: number } }> {
  log(`phase 3: ${size} recipients, SIGKILL halfway through, then a restart`);
  const ws = await benchWorkspace(handle, size, firstAddress);
  await stub.reset();
  // Once half the emails were delivered, the stub holds every call that arrives: the kill lands
  // while the provider has calls of the dying process, which it completes afterwards.
  await stub.configure({ delayMs, limits: [], holdAfterDelivered: Math.floor(size / 2) });
  const runId = await scheduleNow(ws.ctx);
  // One process at a time on a PGlite directory.
  if (handle.kind === "pglite") await handle.close();

  const started = performance.now();
  const first = spawnChild({ ...dbConfig, runId, mode: "run" });
  let atKill: StubStats | undefined;
  const until = Date.now() + 10 * 60_000;
  while (first.child.exitCode === null && Date.now() < until) {
    const stats = await stub.stats();
    if (stats.held > 0) {
      // A moment for the calls already on their way to arrive (and be held) too.
      await sleep(200);
      atKill = await stub.stats();
      first.child.kill("SIGKILL");
      break;
    }
    await sleep(5);
  }
  const killed = await first.result;
  await stub.release();
  const killedMs = performance.now() - started;
  log(
    `phase 3: child ${killed.signal === "SIGKILL" ? "killed" : `exited (${killed.code})`} after ${(killedMs / 1000).toFixed(1)} s with ${atKill?.delivered ?? "?"} emails delivered and ${atKill?.held ?? 0} calls held at the provider`,
  );

  const second = spawnChild({ ...dbConfig, runId, mode: "finish" });
  const finished = await second.result;
  const restartMs = performance.now() - started - killedMs;
  if (finished.code !== 0)
    throw new Error(`the restarted child failed (${finished.code}): ${finished.last.slice(0, 300)}`);
  const summary = JSON.parse(finished.last) as { status: string; sweeps: number };
  log(
    `phase 3: restart finished the run (${summary.status}) in ${(restartMs / 1000).toFixed(1)} s, ${summary.sweeps} sweeps`,
  );

  if (handle.kind === "pglite") handle = await reopen();
  const counts = await runCounts(handle, runId);
  const stats = await stub.stats();
  const atStub = await stubCheck(stub, ws);
  const again = await stub.duplicates();
  if (again.length > 0) {
    // Which calls carried a recipient's email twice (idempotency keys are message ids or batch keys, no addresses).
    const pairs = new Map<string, number>();
    for (const d of again) pairs.set(`${d.first} → ${d.again}`, (pairs.get(`${d.first} → ${d.again}`) ?? 0) + 1);
    log(
      `phase 3: delivered twice, by first call → second call: ${[...pairs].map(([k, n]) => `${k} ×${n}`).join("; ")}`,
    );
  }
  return {
    handle,
    result: {
      runId,
      size,
      status: summary.status,
      killed: killed.signal === "SIGKILL",
      killedAfterMs: Math.round(killedMs),
      deliveredAtKill: atKill?.delivered ?? null,
      heldCallsAtKill: atKill?.held ?? 0,
      restartMs: Math.round(restartMs),
      sent: counts.sent,
      statuses: counts.statuses,
      delivered: stats.delivered,
      replays: stats.replays,
      conflicts: stats.conflicts,
      stubDuplicates: atStub.duplicates,
      stubLost: atStub.lost,
      extraMessages: counts.extraMessages,
      unsent: counts.unsent,
      duplicates: atStub.duplicates + counts.extraMessages,
      lost: atStub.lost + counts.unsent,
    },
  };
}

/** The child of phase 3: drives the run (mode "run"), or finishes it after a crash (mode "finish"). */
async function runChild(config: ChildConfig): Promise<void> {
  const handle = await openDb(config);
  const outbox = await wire(handle);
  const { advanceRun } = await import("@/server/services/campaigns");
  const { sweepDueMessages } = await import("@/server/services/messages");
  const { systemClock } = await import("@/server/lib/clock");
  const ctx = { db: handle.db, now: systemClock, outbox };
  let sweeps = 0;
  const deadline = Date.now() + 10 * 60_000;
  let status = "sending";
  for (;;) {
    const step = await advanceRun({ ctx, input: { runId: config.runId } });
    if (step.state === "more") continue;
    if (step.state === "wait") {
      await sleep(Math.min(1000, new Date(step.until).getTime() - Date.now()));
      continue;
    }
    status = step.status;
    await outbox.idle();
    if (status !== "sending" || config.mode === "run" || Date.now() > deadline) break;
    // After the crash: the sweep takes the dead process's `sending` rows (after DELIVERY_STUCK_SECONDS)
    // and its queued rows whose dispatch was lost (after the sweep's grace).
    await sweepDueMessages({ ctx });
    sweeps++;
    await sleep(1000);
  }
  await outbox.idle();
  await handle.close();
  console.log(JSON.stringify({ status, sweeps }));
}

// ─── main ────────────────────────────────────────────────────────────────────

export async function run(options: BenchOptions): Promise<void> {
  const size = options.size ?? DEFAULT_SIZE;
  const phasesArg =
    options.args.find((a, i) => options.args[i - 1] === "--phases") ??
    options.args.find((a) => a.startsWith("--phases="))?.slice(9);
  const phases = new Set((phasesArg ?? "1,2,3").split(",").map((p) => p.trim()));
  const throttledSize = numberFlag(options.args, "--throttled-size", Math.min(size, 3000));
  const crashSize = numberFlag(options.args, "--crash-size", Math.min(size, 10_000));
  const delayMs = numberFlag(options.args, "--delay-ms", 5);
  analyzeAfterSeeding = !options.args.includes("--no-analyze");

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "optin-bench-delivery-"));
  let stub: EmailStub | undefined;
  let scratch: ScratchDatabase | undefined;
  let handle: DbHandle | undefined;
  try {
    stub = await startEmailStub();
    process.env.RESEND_API_KEY = "re_bench_delivery";
    process.env.RESEND_BASE_URL = stub.url;
    process.env.EMAIL_FROM = "Bench News <news@bench.example.com>";
    process.env.POSTAL_ADDRESS ??= "1 Benchmark Way, Springfield";
    process.env.PUBLIC_URL ??= "http://127.0.0.1:3000";
    if (options.db === "postgres") scratch = await createScratchDatabase("optin_bench_delivery");
    const dbConfig: DbConfig = { db: options.db, url: scratch?.url, pgliteDir: path.join(tmp, "pglite") };
    handle = await openDb(dbConfig);
    const { runMigrations } = await import("@/db/migrate");
    await runMigrations(handle);
    let outbox = await wire(handle);

    const p1 = phases.has("1") ? await unthrottled(handle, outbox, stub, size, delayMs) : undefined;
    // Each phase's contacts have addresses of their own (the stub counts deliveries per address).
    const p2 = phases.has("2") ? await throttled(handle, outbox, stub, throttledSize, size, delayMs) : undefined;
    let p3: Awaited<ReturnType<typeof crash>>["result"] | undefined;
    if (phases.has("3")) {
      const reopen = async () => {
        const reopened = await openDb(dbConfig);
        outbox = await wire(reopened);
        return reopened;
      };
      const crashed = await crash(handle, stub, crashSize, size + throttledSize, delayMs, dbConfig, reopen);
      handle = crashed.handle;
      p3 = crashed.result;
    }

    const cpuMethod =
      options.db === "pglite"
        ? "process.cpuUsage() of the bench process over phase 1; PGlite runs inside it, so appCpuMsPerMsg is app + database (dbCpuMsPerMsg null); the provider stub is a separate process, not counted"
        : "app: process.cpuUsage() of the bench process over phase 1 (provider stub in a separate process, not counted); db: user + system CPU of the database's backends from /proc/<pid>/stat (local server), before/after";
    if (p1)
      console.log(
        `unthrottled: ${p1.sent} sent in ${p1.ms} ms = ${p1.msgPerSec} msg/s; CPU ${p1.appCpuMsPerMsg} ms/msg app${p1.dbCpuMsPerMsg === null ? " + db (PGlite in-process)" : `, ${p1.dbCpuMsPerMsg} ms/msg db`}; baseline ${p1.baselineMs} ms; ratio ${p1.ratio}`,
      );
    if (p2)
      console.log(
        `throttled: share of the limit ${p2.limitShare} over ${p2.steadySeconds} s, 429s ${p2.overLimit}, longest stretch under half the limit ${p2.longestSlowSeconds} s, campaign ${p2.campaignMsgPerSec} msg/s`,
      );
    if (p3) console.log(`crash: duplicates ${p3.duplicates}, lost ${p3.lost} (${p3.sent}/${p3.size} sent)`);
    const summary = {
      name: "delivery",
      db: options.db,
      size,
      msgPerSec: p1?.msgPerSec ?? null,
      appCpuMsPerMsg: p1?.appCpuMsPerMsg ?? null,
      dbCpuMsPerMsg: p1?.dbCpuMsPerMsg ?? null,
      cpuMethod,
      baselineMs: p1?.baselineMs ?? null,
      ms: p1?.ms ?? null,
      ratio: p1?.ratio ?? null,
      limitShare: p2?.limitShare ?? null,
      overLimit: p2?.overLimit ?? null,
      duplicates: (p1?.duplicates ?? 0) + (p2?.duplicates ?? 0) + (p3?.duplicates ?? 0),
      lost: (p1?.lost ?? 0) + (p3?.lost ?? 0),
      delayMs,
      analyzed: analyzeAfterSeeding,
      unthrottled: p1 ?? null,
      throttled: p2 ?? null,
      crash: p3 ?? null,
      targets: {
        msgPerSec: p1 ? p1.msgPerSec >= 1000 : null,
        cpuMsPerMsg: p1 ? p1.appCpuMsPerMsg + (p1.dbCpuMsPerMsg ?? 0) <= 2 : null,
        limitShare: p2 ? p2.limitShare !== null && p2.limitShare >= 0.95 : null,
        overLimit: p2 ? p2.overLimit === 0 : null,
        duplicates: p3 ? p3.duplicates === 0 : null,
      },
      cpus: os.cpus().length,
      loadAverage: round(os.loadavg()[0]!),
    };
    console.log(JSON.stringify(summary));
  } finally {
    const { closeDb } = await import("@/server/lib/db");
    await closeDb().catch(() => {});
    if (handle) await handle.close().catch(() => {});
    await stub?.stop();
    await scratch?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.env.BENCH_DELIVERY_CHILD) {
  runChild(JSON.parse(process.env.BENCH_DELIVERY_CHILD) as ChildConfig).catch((error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : error);
    process.exit(1);
  });
}
