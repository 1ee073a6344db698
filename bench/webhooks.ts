/**
 * Webhook benchmark: `npm run bench -- webhooks [--size N] [--port P] [--baseline-port B]`. Always on PostgreSQL
 * (a scratch database on BENCH_DATABASE_URL; `--db` is ignored).
 *
 * 1. Set-up (not timed): production build (when stale), scratch database bootstrapped by the
 *    app's start-up (server/boot.ts), quiet hours off (so a send that is not blocked by an
 *    opt-out goes out), contacts opted in to "newsletter" (email) and "promotions" (SMS),
 *    outbound messages already handed to Twilio (SIDs) and Resend (email ids); the numbers that
 *    will text START have texted STOP before (through the real inbound handler). Then N requests
 *    (default 100,000), generated and signed like the providers do (X-Twilio-Signature with
 *    TWILIO_AUTH_TOKEN over PUBLIC_URL + path; Svix v1 signatures with RESEND_WEBHOOK_SECRET,
 *    timestamped when sent):
 *    - Twilio status callbacks (queued/sent/delivered, 10% undelivered 30003) and Resend events
 *      (sent/delivered/opened, 5% hard bounces), about half each;
 *    - Twilio inbound texts: 4% ordinary replies, 1% STOP (80%) / START (20%) from distinct numbers;
 *    - 5% exact duplicates (same body, same ids) placed after their original, and the whole
 *      stream shuffled, so statuses arrive out of order.
 * 2. Timed: all requests over 64 connections (autocannon). After each STOP is acknowledged the
 *    bench immediately asks `send_with_consent` for an SMS on "promotions" to that contact:
 *    every one must come back blocked (stopLate counts those that did not).
 * 3. Baseline: the same requests against `POST /api/bench/noop` on the baselines' server (the
 *    same bench build on `--baseline-port`, default P + 1, no job runner: a route that reads the
 *    body and answers empty TwiML, doing nothing), same connections. The route exists only in the
 *    bench build (`route.bench.ts`), never in the product.
 *    Then the store-only floor, same requests and connections on the same server: `POST
 *    /api/bench/store-only` (bench build only) writes each body with a dedupe key in one
 *    autocommitted INSERT and answers — what storing before acknowledging costs by itself
 *    (`storeOnlyP99Ms`, `storeOnlyRatio` = its p99 ÷ the do-nothing route's).
 * 4. Checks against the expected unique effects: webhook_events rows and message timeline rows
 *    per unique delivery event, inbound message rows and `inbound:<MessageSid>` claims in
 *    webhook_events per unique MessageSid, consent events and
 *    keyword replies per STOP/START; doubleApplied = rows beyond the expected ones, missing =
 *    rows short of them; wrongFinalStatus = messages not at the highest status of their events.
 *    Delivery events and plain inbound replies are applied in the background (acknowledge, then
 *    apply): after the load the bench waits until every event of the run whose message exists, and
 *    every stored reply, is applied (drainTailMs) before
 *    these checks, and reports applyLagP99Ms = p99 of applied_at − received_at per delivery event
 *    (stored → applied by the drain, at the run's full rate).
 * Last stdout line: one JSON object (ackPerSec, ackP99Ms, applyLagP99Ms, ratio, doubleApplied, stopLate, …).
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import os from "node:os";
import { ensureBuild, startApp, startBaselineServer, type AppServer } from "./lib/app-server";
import { runLoad, type LoadRequest } from "./lib/load";
import { backendCpuSeconds, busiestProcess, mainThreadCpuSeconds, numberFlag, treeCpuSeconds } from "./lib/proc";
import { createScratchDatabase } from "./lib/scratch";
import { benchPhone, bootstrapWorkspace, seedContacts } from "./lib/seed";
import type { BenchOptions } from "./run";

const DEFAULT_SIZE = 100_000;
const CONNECTIONS = 64;
const OUR_NUMBER = "+15005550006";
const ACCOUNT_SID = `AC${"0".repeat(32)}`;

const log = (message: string) => console.error(`[bench webhooks] ${message}`);

/** Deterministic random numbers (mulberry32), so every run sends the same stream. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const smsSid = (contactId: string) => `SM${createHash("md5").update(contactId).digest("hex")}`;
function emailId(contactId: string): string {
  const h = createHash("md5").update(`${contactId}email`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A request as planned: provider ids still refer to contact indexes (`#k`). */
type RawEntry =
  | { kind: "twilio"; path: string; params: Record<string, string>; stopK?: number }
  | { kind: "svix"; path: string; body: string; svixId: string };

/** A request ready to send (Svix requests are signed when sent: the timestamp must be fresh). */
type Entry =
  | { kind: "twilio"; path: string; body: string; signature: string; stopContact?: string }
  | { kind: "svix"; path: string; body: string; svixId: string };

/** Twilio's X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by the sorted params (key + value). */
function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac("sha1", authToken).update(data).digest("base64");
}

function svixSign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

const RANK: Record<string, number> = { sent: 4, delivered: 6, undelivered: 6, bounced: 7 };

interface Plan {
  entries: RawEntry[];
  contacts: number;
  smsMessages: number;
  emailMessages: number;
  stopK: number[];
  startK: number[];
  uniqueDeliveryEvents: number;
  uniqueInbound: number;
  /** contact index → expected final status of its SMS / email message. */
  expectedSms: Map<number, string>;
  expectedEmail: Map<number, string>;
}

function plan(size: number): Plan {
  const random = rng(42);
  const duplicates = Math.round(size * 0.05);
  const unique = size - duplicates;
  const stopStart = Math.max(2, Math.round(size * 0.01));
  const nStart = Math.max(1, Math.round(stopStart * 0.2));
  const nStop = stopStart - nStart;
  const otherInbound = Math.round(size * 0.04);
  const delivery = unique - stopStart - otherInbound;
  const smsMessages = Math.floor(delivery / 2 / 3);
  const twilioEvents = smsMessages * 3;
  const resendEvents = delivery - twilioEvents;
  const emailMessages = Math.ceil(resendEvents / 3);
  const m = Math.max(smsMessages, emailMessages);
  const contacts = m + stopStart;
  const stopK = Array.from({ length: nStop }, (_, i) => m + i);
  const startK = Array.from({ length: nStart }, (_, i) => m + nStop + i);

  const unsigned: RawEntry[] = [];
  const expectedSms = new Map<number, string>();
  const expectedEmail = new Map<number, string>();
  const statusPath = "/api/webhooks/twilio/status";
  const inboundPath = "/api/webhooks/twilio/inbound";

  for (let k = 0; k < smsMessages; k++) {
    const failed = random() < 0.1;
    expectedSms.set(k, failed ? "undelivered" : "delivered");
    for (const status of ["queued", "sent", failed ? "undelivered" : "delivered"]) {
      // The SID is filled in once contact ids exist (see below): keep k for now.
      unsigned.push({
        kind: "twilio",
        path: statusPath,
        params: {
          MessageSid: `#${k}`,
          MessageStatus: status,
          AccountSid: ACCOUNT_SID,
          From: OUR_NUMBER,
          To: benchPhone(k),
          ApiVersion: "2010-04-01",
          ...(status === "undelivered" ? { ErrorCode: "30003" } : {}),
        },
      });
    }
  }
  const base = Date.now() - 60_000;
  let emitted = 0;
  for (let k = 0; k < emailMessages && emitted < resendEvents; k++) {
    const bounced = random() < 0.05;
    const types = bounced
      ? ["email.sent", "email.bounced", "email.opened"]
      : ["email.sent", "email.delivered", "email.opened"];
    let best = "sent";
    types.forEach((type, step) => {
      if (emitted >= resendEvents) return;
      emitted++;
      const svixId = `msg_${randomBytes(12).toString("hex")}`;
      const at = new Date(base + k + step * 1000).toISOString();
      const data: Record<string, unknown> = {
        email_id: `#${k}`,
        created_at: at,
        to: [`bench${k}@example.com`],
        subject: "Benchmark",
      };
      if (type === "email.bounced")
        data.bounce = { type: "Permanent", subType: "General", message: "mailbox does not exist" };
      const status = type.slice("email.".length);
      if ((RANK[status] ?? 0) > (RANK[best] ?? 0)) best = status;
      unsigned.push({
        kind: "svix",
        path: "/api/webhooks/resend",
        svixId,
        body: JSON.stringify({ type, created_at: at, data }),
      });
    });
    expectedEmail.set(k, best);
  }
  const inbound = (k: number, body: string, stop?: boolean) =>
    unsigned.push({
      kind: "twilio",
      path: inboundPath,
      params: {
        MessageSid: `SM${randomBytes(16).toString("hex")}`,
        AccountSid: ACCOUNT_SID,
        From: benchPhone(k),
        To: OUR_NUMBER,
        Body: body,
        NumMedia: "0",
      },
      ...(stop ? { stopK: k } : {}),
    });
  for (const k of stopK) inbound(k, "STOP", true);
  for (const k of startK) inbound(k, "START");
  for (let i = 0; i < otherInbound; i++) inbound(Math.floor(random() * m), "Thanks, see you Saturday");

  // Shuffle (out of order), then 5% exact duplicates somewhere after their original.
  for (let i = unsigned.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [unsigned[i], unsigned[j]] = [unsigned[j]!, unsigned[i]!];
  }
  const keyed = unsigned.map((item, i) => ({ item, key: i }));
  for (let d = 0; d < duplicates; d++) {
    const i = Math.floor(random() * unique);
    keyed.push({ item: unsigned[i]!, key: i + random() * (unique - i) });
  }
  keyed.sort((a, b) => a.key - b.key);

  return {
    entries: keyed.map(({ item }) => item),
    contacts,
    smsMessages,
    emailMessages,
    stopK,
    startK,
    uniqueDeliveryEvents: twilioEvents + resendEvents,
    uniqueInbound: stopStart + otherInbound,
    expectedSms,
    expectedEmail,
  };
}

/** Fills in provider ids (known once contacts exist) and Twilio signatures. */
function finalize(raw: RawEntry[], ids: string[], publicUrl: string, authToken: string): Entry[] {
  const cache = new Map<RawEntry, Entry>();
  return raw.map((item) => {
    const known = cache.get(item);
    if (known) return known; // a duplicate: exactly the same request
    let entry: Entry;
    if (item.kind === "twilio") {
      const params = { ...item.params };
      if (params.MessageSid!.startsWith("#")) {
        const sid = smsSid(ids[Number(params.MessageSid!.slice(1))]!);
        params.MessageSid = sid;
        params.SmsSid = sid;
      } else {
        params.SmsSid = params.MessageSid!;
      }
      entry = {
        kind: "twilio",
        path: item.path,
        body: new URLSearchParams(params).toString(),
        signature: twilioSignature(authToken, `${publicUrl}${item.path}`, params),
        ...(item.stopK !== undefined ? { stopContact: ids[item.stopK]! } : {}),
      };
    } else {
      const body = item.body.replace(
        /"email_id":"#(\d+)"/,
        (_, k: string) => `"email_id":"${emailId(ids[Number(k)]!)}"`,
      );
      entry = { kind: "svix", path: item.path, body, svixId: item.svixId };
    }
    cache.set(item, entry);
    return entry;
  });
}

export async function run(options: BenchOptions): Promise<void> {
  const size = options.size ?? DEFAULT_SIZE;
  const port = numberFlag(options.args, "--port", Number(process.env.BENCH_PORT ?? 3207));
  const baselinePort = numberFlag(options.args, "--baseline-port", port + 1);
  if (options.db !== "postgres") log("runs on PostgreSQL only (--db ignored)");
  if (size < 200) throw new Error("--size must be at least 200");
  const publicUrl = `http://127.0.0.1:${port}`;
  const authToken = randomBytes(16).toString("hex");
  const webhookSecret = `whsec_${randomBytes(24).toString("base64")}`;

  await ensureBuild(log);
  const scratch = await createScratchDatabase("optin_bench_webhooks");
  let app: AppServer | undefined;
  let baselineServer: AppServer | undefined;
  try {
    const apiKey = `bench_${randomBytes(24).toString("base64url")}`;
    const { handle, workspaceId, topicIds } = await bootstrapWorkspace(scratch.url, apiKey);
    const rows = <T>(text: string, params?: unknown[]) => handle.queryRows<T>(text, params);
    const promotions = topicIds.get("promotions")!;
    const newsletter = topicIds.get("newsletter")!;

    const t0 = performance.now();
    const shape = plan(size);
    log(`seeding ${shape.contacts} contacts, ${shape.smsMessages} SMS and ${shape.emailMessages} email messages…`);
    const seeded = await seedContacts(
      handle,
      workspaceId,
      shape.contacts,
      [
        { id: newsletter, channel: "email", consentOf: () => "opted_in" },
        { id: promotions, channel: "sms", consentOf: () => "opted_in" },
      ],
      log,
    );
    const ids = seeded.ids;
    // Quiet hours off: a send to a number that did not opt out must go out (the control below).
    await rows(`update workspaces set settings = jsonb_set(settings, '{messaging}', $2::jsonb) where id = $1`, [
      workspaceId,
      JSON.stringify({
        quietHours: { enabled: false, start: "08:00", end: "21:00", stateRules: false },
        frequencyCaps: [],
        timezone: "America/New_York",
      }),
    ]);
    // Messages already handed to the providers (ids derived from the contact id, as in `finalize`).
    const sent = new Date(Date.now() - 120_000).toISOString();
    await rows(
      `insert into messages (workspace_id, contact_id, direction, channel, topic_id, topic_key, kind, status, address_hash, transport, provider_message_id, attempts, queued_at, sent_at, created_at, updated_at)
       select workspace_id, id, 'outbound', 'sms', $2::uuid, 'promotions', 'marketing', 'sent', phone_hash, 'twilio', 'SM' || md5(id::text), 1, $3, $3, $3, $3
         from contacts where id = any($1::uuid[])`,
      [ids.slice(0, shape.smsMessages), promotions, sent],
    );
    await rows(
      `insert into messages (workspace_id, contact_id, direction, channel, topic_id, topic_key, kind, status, address_hash, transport, provider_message_id, attempts, queued_at, sent_at, created_at, updated_at)
       select workspace_id, id, 'outbound', 'email', $2::uuid, 'newsletter', 'marketing', 'sent', email_hash, 'resend', md5(id::text || 'email')::uuid::text, 1, $3, $3, $3, $3
         from contacts where id = any($1::uuid[])`,
      [ids.slice(0, shape.emailMessages), newsletter, sent],
    );
    // The START numbers texted STOP earlier, through the real handler.
    const { handleInboundSms } = await import("@/server/services/inbound");
    const { systemClock } = await import("@/server/lib/clock");
    for (const k of shape.startK) {
      await handleInboundSms({
        ctx: { db: handle.db, now: systemClock },
        input: {
          messageSid: `SM${randomBytes(16).toString("hex")}`,
          from: benchPhone(k),
          to: OUR_NUMBER,
          body: "STOP",
        },
      });
    }
    const entries = finalize(shape.entries, ids, publicUrl, authToken);
    await rows("vacuum analyze");
    log(
      `set-up done in ${((performance.now() - t0) / 1000).toFixed(1)} s (contacts seeded in ${seeded.seconds.toFixed(1)} s)`,
    );

    app = await startApp(port, {
      DATABASE_URL: scratch.url,
      INIT_ADMIN_API_KEY: apiKey,
      PUBLIC_URL: publicUrl,
      TWILIO_AUTH_TOKEN: authToken,
      RESEND_WEBHOOK_SECRET: webhookSecret,
    });
    log(`next start on :${port} (pid ${app.pid})`);
    baselineServer = await startBaselineServer(baselinePort, scratch.url);
    log(`baseline server on :${baselinePort} (pid ${baselineServer.pid})`);

    // STOP → immediate send attempt to that contact; must be blocked.
    const stopChecks: Promise<void>[] = [];
    const stopOutcome = { checks: 0, late: 0, errors: 0, answers: {} as Record<string, number> };
    const trySend = async (contactId: string): Promise<{ status: string; reason?: string } | null> => {
      const response = await fetch(`${app!.url}/api/v1/messages/send_with_consent`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          contactId,
          channel: "sms",
          topic: "promotions",
          content: { text: "Bench offer: 10% off this week." },
        }),
      });
      if (!response.ok) return null;
      return (await response.json()) as { status: string; reason?: string };
    };
    const checkStop = (contactId: string) =>
      stopChecks.push(
        trySend(contactId).then(
          (answer) => {
            stopOutcome.checks++;
            if (!answer) return void stopOutcome.errors++;
            const label = answer.reason ? `${answer.status}:${answer.reason}` : answer.status;
            stopOutcome.answers[label] = (stopOutcome.answers[label] ?? 0) + 1;
            if (answer.status !== "blocked" || !["opted_out", "suppressed"].includes(answer.reason ?? ""))
              stopOutcome.late++;
          },
          () => void stopOutcome.errors++,
        ),
      );

    const requestsFor = (pathOverride: string | null, onStopAck: ((contactId: string) => void) | null) => {
      let cursor = 0;
      const codes: Record<string, number> = {};
      // Latency per kind of call (status callback, email event, inbound text), to see which one makes the tail.
      const latencies: Record<string, number[]> = { status: [], email: [], inbound: [] };
      const kindOf = (entry: Entry) =>
        entry.kind === "svix" ? "email" : entry.path.endsWith("/inbound") ? "inbound" : "status";
      const request: LoadRequest = {
        method: "POST",
        setupRequest(req, context) {
          const index = cursor++ % entries.length;
          const entry = entries[index]!;
          context.index = index;
          context.started = performance.now();
          req.path = pathOverride ?? entry.path;
          req.body = entry.body;
          if (entry.kind === "twilio") {
            req.headers = {
              "content-type": "application/x-www-form-urlencoded",
              "x-twilio-signature": entry.signature,
            };
          } else {
            const timestamp = Math.floor(Date.now() / 1000);
            req.headers = {
              "content-type": "application/json",
              "svix-id": entry.svixId,
              "svix-timestamp": String(timestamp),
              "svix-signature": svixSign(webhookSecret, entry.svixId, timestamp, entry.body),
            };
          }
          return req;
        },
        onResponse(status, _body, context) {
          codes[status] = (codes[status] ?? 0) + 1;
          const entry = entries[context.index as number]!;
          latencies[kindOf(entry)]!.push(performance.now() - (context.started as number));
          if (status === 200 && onStopAck && entry.kind === "twilio" && entry.stopContact) onStopAck(entry.stopContact);
        },
      };
      const p99ByKind = () =>
        Object.fromEntries(
          Object.entries(latencies).map(([kind, list]) => {
            const sorted = [...list].sort((a, b) => a - b);
            return [kind, Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0)];
          }),
        );
      return { request, codes, sent: () => cursor, p99ByKind };
    };

    // Warm-up of both routes with delivery events outside the measured stream (unknown message
    // ids: stored as pending, excluded from the checks by time).
    const warm = finalize(
      // Never more contacts than the run seeded (a small --size seeds fewer than 400 requests need).
      plan(Math.min(400, size)).entries.filter((e) => e.kind === "svix" || e.path.endsWith("/status")),
      ids.map((id) => `${id.slice(0, -4)}beef`),
      publicUrl,
      authToken,
    );
    let w = 0;
    const warmRequest: LoadRequest = {
      method: "POST",
      setupRequest(req) {
        const entry = warm[w++ % warm.length]!;
        req.path = entry.path;
        req.body = entry.body;
        const timestamp = Math.floor(Date.now() / 1000);
        req.headers =
          entry.kind === "twilio"
            ? { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": entry.signature }
            : {
                "content-type": "application/json",
                "svix-id": entry.svixId,
                "svix-timestamp": String(timestamp),
                "svix-signature": svixSign(webhookSecret, entry.svixId, timestamp, entry.body),
              };
        return req;
      },
    };
    // The same warm-up requests sent to one of the baselines' routes.
    const warmBaseline = (path: string) =>
      runLoad({
        url: baselineServer!.url,
        connections: 8,
        duration: 2,
        requests: [{ ...warmRequest, setupRequest: (req, ctx) => ({ ...warmRequest.setupRequest!(req, ctx), path }) }],
      });
    await runLoad({ url: app.url, connections: 8, duration: 3, requests: [warmRequest] });
    await warmBaseline("/api/bench/noop");

    await new Promise((resolve) => setTimeout(resolve, 1000));
    const runStart = new Date().toISOString();
    log(`sending ${entries.length} webhooks over ${CONNECTIONS} connections…`);
    const ours = requestsFor(null, checkStop);
    const appCpu = treeCpuSeconds(app.pid);
    const dbCpu = await backendCpuSeconds(rows);
    // The server's event loop: in a closed loop, what bounds the rate of acknowledgements.
    const appServerPid = busiestProcess(app.pid);
    const appMainCpu = appServerPid === null ? null : mainThreadCpuSeconds(appServerPid);
    const result = await runLoad({
      url: app.url,
      connections: CONNECTIONS,
      amount: entries.length,
      requests: [ours.request],
    });
    const loadEnd = performance.now();
    await Promise.all(stopChecks);
    // Application runs in the background (acknowledge, then apply): wait until every delivery event
    // of the run whose message exists, and every plain inbound reply, is applied, before the
    // checks. The CPU figures include it.
    const unapplied = async () =>
      (
        await rows<{ n: number }>(
          `select count(*)::int as n from webhook_events w
            where w.received_at >= $1 and w.applied_at is null
              and (w.type = 'inbound'
                   or exists (select 1 from messages m where m.transport = w.provider and m.provider_message_id = w.provider_message_id and m.direction = 'outbound'))`,
          [runStart],
        )
      )[0]!.n;
    while ((await unapplied()) > 0 && performance.now() - loadEnd < 120_000)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const drainTailMs = Math.round(performance.now() - loadEnd);
    const appCpuAfter = treeCpuSeconds(app.pid);
    const dbCpuAfter = await backendCpuSeconds(rows);
    const appMainCpuAfter = appServerPid === null ? null : mainThreadCpuSeconds(appServerPid);
    // Acknowledgement → applied, per delivery event (received_at is stamped when the event is stored).
    const [lag] = await rows<{ p50: number | null; p99: number | null; max: number | null }>(
      `select percentile_cont(0.5) within group (order by ms) as p50, percentile_cont(0.99) within group (order by ms) as p99, max(ms) as max
         from (select extract(epoch from (applied_at - received_at)) * 1000 as ms from webhook_events
                where received_at >= $1 and applied_at is not null and dedupe_key not like 'inbound:%') t`,
      [runStart],
    );
    const lagMs = (value: number | null | undefined) => (value == null ? null : Math.round(Number(value)));
    log(
      `webhooks: ${result.reqPerSec} acks/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, codes ${JSON.stringify(ours.codes)}; STOP checks ${stopOutcome.checks}, late ${stopOutcome.late}; p99 by kind ${JSON.stringify(ours.p99ByKind())}`,
    );

    // Control: a send to a contact that never opted out goes out, so the STOP check can fail.
    const control = await trySend(ids[0]!);

    log(`baseline: the same ${entries.length} requests to the do-nothing route…`);
    const noop = requestsFor("/api/bench/noop", null);
    const baselineServerPid = busiestProcess(baselineServer.pid);
    const baselineMainCpu = baselineServerPid === null ? null : mainThreadCpuSeconds(baselineServerPid);
    const baseline = await runLoad({
      url: baselineServer.url,
      connections: CONNECTIONS,
      amount: entries.length,
      requests: [noop.request],
    });
    const baselineMainCpuAfter = baselineServerPid === null ? null : mainThreadCpuSeconds(baselineServerPid);
    log(`do-nothing: ${baseline.reqPerSec} req/s, p50 ${baseline.p50Ms} ms, p99 ${baseline.p99Ms} ms`);
    // The floor of any "store, then acknowledge" route on this machine: the same requests to a
    // route that only writes each body with a dedupe key in one autocommitted INSERT (no
    // verification, no parsing, no group commit, nothing applied), same server and connections.
    await rows("create table if not exists bench_store_only (dedupe_key text primary key, body text not null)");
    await warmBaseline("/api/bench/store-only");
    log(`store-only floor: the same ${entries.length} requests to a route that only stores them…`);
    const storeOnly = await runLoad({
      url: baselineServer.url,
      connections: CONNECTIONS,
      amount: entries.length,
      requests: [requestsFor("/api/bench/store-only", null).request],
    });
    log(`store-only: ${storeOnly.reqPerSec} req/s, p50 ${storeOnly.p50Ms} ms, p99 ${storeOnly.p99Ms} ms`);
    await app.stop();
    app = undefined;
    await baselineServer.stop();
    baselineServer = undefined;

    // Expected unique effects vs what the database holds.
    const one = async (text: string, params: unknown[] = []) => (await rows<{ n: number }>(text, params))[0]!.n;
    // Delivery events, and the claims of inbound MessageSids (`inbound:<sid>`, one per unique inbound text), apart.
    const webhookRows = await one(
      "select count(*)::int as n from webhook_events where received_at >= $1 and dedupe_key not like 'inbound:%'",
      [runStart],
    );
    const inboundClaims = await one(
      "select count(*)::int as n from webhook_events where received_at >= $1 and dedupe_key like 'inbound:%'",
      [runStart],
    );
    // Timeline rows of provider events (not the inbound `received` rows, not keyword replies' own `sent`).
    const timelineRows = await one(
      `select count(*)::int as n from message_events e join messages m on m.id = e.message_id
        where e.source = 'webhook' and e.status <> 'received' and m.relation is distinct from 'keyword_reply' and e.recorded_at >= $1`,
      [runStart],
    );
    const inboundRows = await one(
      "select count(*)::int as n from messages where direction = 'inbound' and created_at >= $1",
      [runStart],
    );
    const consentRows = await rows<{ contact_id: string; n: number }>(
      "select contact_id, count(*)::int as n from consent_events where source = 'sms_keyword' and recorded_at >= $1 group by contact_id",
      [runStart],
    );
    const replyRows = await one(
      "select count(*)::int as n from messages where relation = 'keyword_reply' and created_at >= $1",
      [runStart],
    );
    const pendingRows = await one(
      "select count(*)::int as n from webhook_events where applied_at is null and received_at >= $1",
      [runStart],
    );
    const keywordContacts = new Set([...shape.stopK, ...shape.startK].map((k) => ids[k]!));
    const consentExcess = consentRows.reduce(
      (sum, r) => sum + Math.max(0, r.n - 1) + (keywordContacts.has(r.contact_id) ? 0 : r.n),
      0,
    );
    const consentMissing = [...keywordContacts].filter((id) => !consentRows.some((r) => r.contact_id === id)).length;
    const expectedKeyword = shape.stopK.length + shape.startK.length;
    const excess = (actual: number, expected: number) => Math.max(0, actual - expected);
    const short = (actual: number, expected: number) => Math.max(0, expected - actual);
    const doubleApplied =
      excess(webhookRows, shape.uniqueDeliveryEvents) +
      excess(timelineRows, shape.uniqueDeliveryEvents) +
      excess(inboundRows, shape.uniqueInbound) +
      excess(inboundClaims, shape.uniqueInbound) +
      consentExcess +
      excess(replyRows, expectedKeyword);
    const missing =
      short(webhookRows, shape.uniqueDeliveryEvents) +
      short(timelineRows, shape.uniqueDeliveryEvents) +
      short(inboundRows, shape.uniqueInbound) +
      short(inboundClaims, shape.uniqueInbound) +
      consentMissing +
      short(replyRows, expectedKeyword);
    const expectedFinal = [
      ...[...shape.expectedSms].map(([k, status]) => ({ id: ids[k]!, channel: "sms", status })),
      ...[...shape.expectedEmail].map(([k, status]) => ({ id: ids[k]!, channel: "email", status })),
    ];
    const wrongFinalStatus = await one(
      `select count(*)::int as n from unnest($1::uuid[], $2::text[], $3::text[]) as e(contact_id, channel, status)
         join messages m on m.contact_id = e.contact_id and m.channel::text = e.channel and m.direction = 'outbound' and m.transport in ('twilio', 'resend')
        where m.status::text <> e.status`,
      [expectedFinal.map((e) => e.id), expectedFinal.map((e) => e.channel), expectedFinal.map((e) => e.status)],
    );

    const ratio = baseline.p99Ms > 0 ? Number((result.p99Ms / baseline.p99Ms).toFixed(2)) : null;
    const perReq = (before: number | null, after: number | null) =>
      before === null || after === null ? null : Number((((after - before) * 1000) / result.requests).toFixed(2));
    const summary = {
      bench: "webhooks",
      ackPerSec: result.reqPerSec,
      ackP50Ms: result.p50Ms,
      ackP99Ms: result.p99Ms,
      applyLagP99Ms: lagMs(lag?.p99),
      baselineAckPerSec: baseline.reqPerSec,
      baselineP99Ms: baseline.p99Ms,
      ratio,
      doubleApplied,
      missing,
      wrongFinalStatus,
      stopLate: stopOutcome.late + stopOutcome.errors,
      appCpuMsPerReq: perReq(appCpu, appCpuAfter),
      dbCpuMsPerReq: perReq(dbCpu, dbCpuAfter),
      // The servers' event loops (main thread only, not the background thread, GC helpers or libuv's
      // pool), per request: in a closed loop the rate follows it, and it moves far less than a p99.
      mainThreadCpuMsPerReq: perReq(appMainCpu, appMainCpuAfter),
      baselineMainThreadCpuMsPerReq: perReq(baselineMainCpu, baselineMainCpuAfter),
      loadAverage: Number(os.loadavg()[0]!.toFixed(2)),
      pendingWebhookEvents: pendingRows,
      applyLagP50Ms: lagMs(lag?.p50),
      applyLagMaxMs: lagMs(lag?.max),
      drainTailMs,
      db: "postgres",
      connections: CONNECTIONS,
      ackP90Ms: result.p90Ms,
      ackMaxMs: result.maxMs,
      seconds: result.seconds,
      statusCodes: ours.codes,
      errors: result.errors + result.timeouts,
      baselineP50Ms: baseline.p50Ms,
      storeOnlyAckPerSec: storeOnly.reqPerSec,
      storeOnlyP99Ms: storeOnly.p99Ms,
      // The floor's own ratio to the do-nothing route: what storing before acknowledging costs here.
      storeOnlyRatio: baseline.p99Ms > 0 ? Number((storeOnly.p99Ms / baseline.p99Ms).toFixed(2)) : null,
      requests: entries.length,
      ackP99MsByKind: ours.p99ByKind(),
      baselineP99MsByKind: noop.p99ByKind(),
      applied: {
        webhookEvents: `${webhookRows}/${shape.uniqueDeliveryEvents}`,
        timelineRows: `${timelineRows}/${shape.uniqueDeliveryEvents}`,
        inboundMessages: `${inboundRows}/${shape.uniqueInbound}`,
        inboundClaims: `${inboundClaims}/${shape.uniqueInbound}`,
        keywordConsentEvents: `${consentRows.reduce((sum, r) => sum + r.n, 0)}/${keywordContacts.size}`,
        keywordReplies: `${replyRows}/${expectedKeyword}`,
      },
      stopChecks: stopOutcome.checks,
      stopAnswers: stopOutcome.answers,
      controlSend: control ? control.status : "error",
      uniqueDeliveryEvents: shape.uniqueDeliveryEvents,
      uniqueInbound: shape.uniqueInbound,
      stops: shape.stopK.length,
      starts: shape.startK.length,
      targets: {
        ratio: ratio !== null && ratio <= 1.5,
        applyLagP99: lag?.p99 != null && Number(lag.p99) <= 1000,
        doubleApplied: doubleApplied === 0,
        stopLate: stopOutcome.late + stopOutcome.errors === 0,
      },
      cpus: os.cpus().length,
    };
    console.log(JSON.stringify(summary));
  } finally {
    if (app) await app.stop().catch(() => {});
    if (baselineServer) await baselineServer.stop().catch(() => {});
    const { closeDb } = await import("@/server/lib/db");
    await closeDb().catch(() => {});
    await scratch.drop();
  }
}
