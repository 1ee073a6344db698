/**
 * Send benchmark: `npm run bench -- send [--size N] [--duration S] [--rate R] [--port P] [--baseline-port B]`.
 * Always on PostgreSQL (a scratch database on BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres; `--db` is ignored).
 *
 * 1. Set-up (not timed): the production build (built when stale, see lib/app-server.ts), a
 *    scratch database migrated and bootstrapped by the app's own start-up (server/boot.ts, with
 *    INIT_ADMIN_API_KEY), N contacts (default 1,000,000) seeded set-based with encrypted
 *    email/phone and consent on the default "newsletter" email topic (90% opted in, 5% opted out,
 *    5% none), then `next start` with the log transports, LOG_LEVEL=warn and in-process jobs, and
 *    the baselines' server (the same bench build, no job runner) on `--baseline-port` (default P + 1).
 * 2. Load (autocannon, 32 connections): `POST /api/v1/messages/send_with_consent` to random
 *    contacts, inline content, every request with an idempotency key, 10% repeating an earlier
 *    request (same body): first at full speed for `--duration` s (default 30), then at a fixed
 *    `--rate` (default 1,000 req/s) for the same time. Delivery runs in the server after each
 *    answer; between phases the bench waits until every queued message was handed over.
 * 3. Baseline, same database, driver and pool settings: `POST /api/bench/send-baseline` on the
 *    baselines' server, a bare route handler doing the same SQL (key, topic, contact, consent
 *    state, suppression, message row ON CONFLICT on the idempotency key; no delivery), same two
 *    phases. It exists only in the bench build (`route.bench.ts`), never in the product.
 * 4. Checks: duplicates = messages with more than one `sent` event (a second hand-over to the
 *    transport); a repeated key must answer the first message id; dispatch latency = sent_at −
 *    created_at (decision → handed to the transport) of the delivered messages.
 * Last stdout line: one JSON object (reqPerSec, p50Ms, p99Ms, p99MsAt1k, baselineP99Ms, ratio,
 * duplicates, dispatchP99Ms, …). Progress goes to stderr.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { ensureBuild, startApp, startBaselineServer, type AppServer } from "./lib/app-server";
import { runLoad, type LoadRequest, type PhaseResult } from "./lib/load";
import { backendCpuSeconds, numberFlag, treeCpuSeconds } from "./lib/proc";
import { createScratchDatabase } from "./lib/scratch";
import { bootstrapWorkspace, seedContacts } from "./lib/seed";
import type { BenchOptions } from "./run";

const DEFAULT_SIZE = 1_000_000;
const CONNECTIONS = 32;
const REPEAT_SHARE = 0.1;

const log = (message: string) => console.error(`[bench send] ${message}`);

/** Consent of contact k on "newsletter": 90% opted in, 5% opted out, 5% none. */
const newsletterConsent = (k: number) => (k % 20 === 0 ? "opted_out" : k % 20 === 1 ? null : "opted_in");

interface Generator {
  request: LoadRequest;
  stats: { sent: number; repeats: number; mismatches: number; answers: Record<string, number>; firstError?: string };
}

/**
 * Bodies for one phase: a random contact each, a fresh idempotency key, or (10%) an exact repeat
 * of one of the last 2,000 bodies. Checks that a repeated key answers the first message id.
 */
function sendRequests(path: string, apiKey: string, contactIds: string[], prefix: string): Generator {
  const recent: { key: string; body: string }[] = [];
  const firstAnswer = new Map<string, string>();
  const stats: Generator["stats"] = { sent: 0, repeats: 0, mismatches: 0, answers: {} };
  let counter = 0;
  const request: LoadRequest = {
    method: "POST",
    path,
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    setupRequest(req, context) {
      let pick: { key: string; body: string };
      if (recent.length > 0 && Math.random() < REPEAT_SHARE) {
        pick = recent[Math.floor(Math.random() * recent.length)]!;
        stats.repeats++;
      } else {
        const key = `${prefix}-${counter++}`;
        const body = JSON.stringify({
          contactId: contactIds[Math.floor(Math.random() * contactIds.length)],
          channel: "email",
          topic: "newsletter",
          content: { subject: "Benchmark news", text: "Hello from the send benchmark." },
          idempotencyKey: key,
        });
        pick = { key, body };
        recent.push(pick);
        if (recent.length > 2000) recent.shift();
      }
      stats.sent++;
      context.key = pick.key;
      req.body = pick.body;
      return req;
    },
    onResponse(status, body, context) {
      if (status !== 200) {
        // Error answers carry no PII (messages and codes only): keep the first for the report.
        if (stats.firstError === undefined) {
          stats.firstError = `${status} ${body.slice(0, 300)}`;
          log(`first error answer: ${stats.firstError}`);
        }
        return;
      }
      try {
        const answer = JSON.parse(body) as { messageId: string; status: string; reason?: string };
        const label = answer.reason ? `${answer.status}:${answer.reason}` : answer.status;
        stats.answers[label] = (stats.answers[label] ?? 0) + 1;
        const key = context.key as string;
        const first = firstAnswer.get(key);
        if (first === undefined) firstAnswer.set(key, answer.messageId);
        else if (first !== answer.messageId) stats.mismatches++;
      } catch {
        stats.answers.unparsable = (stats.answers.unparsable ?? 0) + 1;
      }
    },
  };
  return { request, stats };
}

type Rows = <T>(text: string, params?: unknown[]) => Promise<T[]>;

/** Waits until the server has handed every queued message of ours to the transport (≤ 120 s). */
async function waitForDispatch(rows: Rows): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [left] = await rows<{ n: number }>(
      "select count(*)::int as n from messages where status in ('queued', 'sending') and next_attempt_at is null and direction = 'outbound'",
    );
    if (left!.n === 0 || Date.now() > deadline) return left!.n;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function dispatchStats(rows: Rows, from: Date, to: Date) {
  const [row] = await rows<{ n: number; p50: number | null; p99: number | null; max: number | null }>(
    `select count(*)::int as n,
            percentile_cont(0.5) within group (order by ms) as p50,
            percentile_cont(0.99) within group (order by ms) as p99,
            max(ms) as max
       from (select extract(epoch from (sent_at - created_at)) * 1000 as ms
               from messages where sent_at is not null and created_at >= $1 and created_at < $2) as d`,
    [from.toISOString(), to.toISOString()],
  );
  const round = (v: number | null) => (v === null ? null : Number(Number(v).toFixed(1)));
  return { delivered: row!.n, p50Ms: round(row!.p50), p99Ms: round(row!.p99), maxMs: round(row!.max) };
}

interface Measured extends PhaseResult {
  appCpuMsPerReq: number | null;
  dbCpuMsPerReq: number | null;
  from: Date;
  to: Date;
  gen: Generator["stats"];
}

async function phase(
  app: AppServer,
  rows: Rows,
  label: string,
  gen: Generator,
  options: { duration: number; overallRate?: number },
): Promise<Measured> {
  log(
    `${label}: ${options.overallRate ? `${options.overallRate} req/s` : "full speed"}, ${CONNECTIONS} connections, ${options.duration} s…`,
  );
  const appCpu = treeCpuSeconds(app.pid);
  const dbCpu = await backendCpuSeconds(rows);
  const from = new Date();
  const result = await runLoad({
    url: app.url,
    connections: CONNECTIONS,
    duration: options.duration,
    overallRate: options.overallRate,
    requests: [gen.request],
  });
  const to = new Date();
  const left = await waitForDispatch(rows);
  const appCpuAfter = treeCpuSeconds(app.pid);
  const dbCpuAfter = await backendCpuSeconds(rows);
  const perReq = (before: number | null, after: number | null) =>
    before === null || after === null || result.requests === 0
      ? null
      : Number((((after - before) * 1000) / result.requests).toFixed(2));
  log(
    `${label}: ${result.reqPerSec} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}, errors ${result.errors}${left ? `, ${left} still queued` : ""}`,
  );
  return {
    ...result,
    appCpuMsPerReq: perReq(appCpu, appCpuAfter),
    dbCpuMsPerReq: perReq(dbCpu, dbCpuAfter),
    from,
    to,
    gen: gen.stats,
  };
}

export async function run(options: BenchOptions): Promise<void> {
  const size = options.size ?? DEFAULT_SIZE;
  const duration = numberFlag(options.args, "--duration", 30);
  const rate = numberFlag(options.args, "--rate", 1000);
  const port = numberFlag(options.args, "--port", Number(process.env.BENCH_PORT ?? 3207));
  const baselinePort = numberFlag(options.args, "--baseline-port", port + 1);
  if (options.db !== "postgres") log("runs on PostgreSQL only (--db ignored)");

  await ensureBuild(log);
  const scratch = await createScratchDatabase("optin_bench_send");
  let app: AppServer | undefined;
  let baseline: AppServer | undefined;
  try {
    const apiKey = `bench_${randomBytes(24).toString("base64url")}`;
    const { handle, workspaceId, topicIds } = await bootstrapWorkspace(scratch.url, apiKey);
    const rows: Rows = (text, params) => handle.queryRows(text, params);
    log(`seeding ${size} contacts…`);
    const seeded = await seedContacts(
      handle,
      workspaceId,
      size,
      [{ id: topicIds.get("newsletter")!, channel: "email", consentOf: newsletterConsent }],
      log,
    );
    log(`seeded ${size} contacts and ${seeded.consentEvents} consent events in ${seeded.seconds.toFixed(1)} s`);
    await handle.queryRows("vacuum analyze");

    app = await startApp(port, {
      DATABASE_URL: scratch.url,
      INIT_ADMIN_API_KEY: apiKey,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      // Marketing email needs a postal address in its footer (compliance check).
      POSTAL_ADDRESS: process.env.POSTAL_ADDRESS ?? "1 Benchmark Way, Springfield",
    });
    log(`next start on :${port} (pid ${app.pid})`);
    baseline = await startBaselineServer(baselinePort, scratch.url);
    log(`baseline server on :${baselinePort} (pid ${baseline.pid})`);
    const ours = (prefix: string) => sendRequests("/api/v1/messages/send_with_consent", apiKey, seeded.ids, prefix);
    const bare = (prefix: string) => sendRequests("/api/bench/send-baseline", apiKey, seeded.ids, prefix);

    // Warm-up (JIT, pools, route compilation), not measured.
    await runLoad({ url: app.url, connections: 8, duration: 3, requests: [ours("warm").request] });
    await runLoad({ url: baseline.url, connections: 8, duration: 3, requests: [bare("warm-bare").request] });
    await waitForDispatch(rows);

    const max = await phase(app, rows, "send_with_consent", ours("max"), { duration });
    const fixed = await phase(app, rows, `send_with_consent @${rate}`, ours("fixed"), { duration, overallRate: rate });
    const baseMax = await phase(baseline, rows, "bare handler", bare("bare-max"), { duration });
    const baseFixed = await phase(baseline, rows, `bare handler @${rate}`, bare("bare-fixed"), {
      duration,
      overallRate: rate,
    });

    const [dup] = await rows<{ n: number }>(
      "select count(*)::int as n from (select message_id from message_events where status = 'sent' group by message_id having count(*) > 1) as d",
    );
    const [stuck] = await rows<{ n: number }>(
      "select count(*)::int as n from messages where status in ('queued', 'sending') and next_attempt_at is null and direction = 'outbound'",
    );
    const dispatchAll = await dispatchStats(rows, max.from, fixed.to);
    const dispatchFixed = await dispatchStats(rows, fixed.from, fixed.to);
    const dispatchMax = await dispatchStats(rows, max.from, max.to);
    await app.stop();
    app = undefined;
    await baseline.stop();
    baseline = undefined;

    const ratio = baseMax.p99Ms > 0 ? Number((max.p99Ms / baseMax.p99Ms).toFixed(2)) : null;
    const ratioAt1k = baseFixed.p99Ms > 0 ? Number((fixed.p99Ms / baseFixed.p99Ms).toFixed(2)) : null;
    const summary = {
      bench: "send",
      db: "postgres",
      contacts: size,
      connections: CONNECTIONS,
      durationSec: duration,
      reqPerSec: max.reqPerSec,
      p50Ms: max.p50Ms,
      p90Ms: max.p90Ms,
      p99Ms: max.p99Ms,
      rateTarget: rate,
      reqPerSecAtRate: fixed.reqPerSec,
      p50MsAt1k: fixed.p50Ms,
      p99MsAt1k: fixed.p99Ms,
      baselineReqPerSec: baseMax.reqPerSec,
      baselineP50Ms: baseMax.p50Ms,
      baselineP99Ms: baseMax.p99Ms,
      baselineReqPerSecAtRate: baseFixed.reqPerSec,
      baselineP99MsAt1k: baseFixed.p99Ms,
      ratio,
      ratioAt1k,
      duplicates: dup!.n,
      idempotencyMismatches: max.gen.mismatches + fixed.gen.mismatches,
      repeatedKeyRequests: max.gen.repeats + fixed.gen.repeats,
      dispatchP50Ms: dispatchAll.p50Ms,
      dispatchP99Ms: dispatchAll.p99Ms,
      dispatchP99MsAtMax: dispatchMax.p99Ms,
      dispatchP99MsAt1k: dispatchFixed.p99Ms,
      dispatchMaxMs: dispatchAll.maxMs,
      delivered: dispatchAll.delivered,
      notDelivered: stuck!.n,
      answers: { max: max.gen.answers, fixed: fixed.gen.answers },
      non2xx: max.non2xx + fixed.non2xx,
      statusCodes: { max: max.statusCodes, fixed: fixed.statusCodes },
      ...(max.gen.firstError || fixed.gen.firstError ? { firstError: max.gen.firstError ?? fixed.gen.firstError } : {}),
      errors: max.errors + fixed.errors + max.timeouts + fixed.timeouts,
      baselineNon2xx: baseMax.non2xx + baseFixed.non2xx,
      appCpuMsPerReq: max.appCpuMsPerReq,
      dbCpuMsPerReq: max.dbCpuMsPerReq,
      baselineAppCpuMsPerReq: baseMax.appCpuMsPerReq,
      baselineDbCpuMsPerReq: baseMax.dbCpuMsPerReq,
      seedSeconds: Number(seeded.seconds.toFixed(1)),
      targets: {
        reqPerSec: max.reqPerSec >= 2000,
        p99At1k: fixed.p99Ms <= 25,
        ratio: ratio !== null && ratio <= 1.5,
        duplicates: dup!.n === 0,
        dispatchUnder5s: dispatchAll.maxMs !== null && dispatchAll.maxMs < 5000,
      },
      cpus: os.cpus().length,
      loadAverage: Number(os.loadavg()[0]!.toFixed(2)),
    };
    console.log(JSON.stringify(summary));
  } finally {
    if (app) await app.stop().catch(() => {});
    if (baseline) await baseline.stop().catch(() => {});
    const { closeDb } = await import("@/server/lib/db");
    await closeDb().catch(() => {});
    await scratch.drop();
  }
}
