/**
 * A Resend-compatible email provider for the delivery benchmark, run as a process of its own (so
 * its CPU is not the app's, and it outlives an app process killed with SIGKILL). The real `resend`
 * SDK talks to it through `RESEND_BASE_URL`.
 *
 * - `POST /emails` and `POST /emails/batch` (up to 100 emails): answered after `delayMs` with one
 *   id per email, like Resend.
 * - `Idempotency-Key`: a repeat with the same key and body answers the first answer again and
 *   delivers nothing (`replays`); the same key with another body answers 409.
 * - `limits` (fixed windows of `seconds` since the epoch, counted in emails on arrival, as a
 *   provider counts them): a call that would take a window over its `max` answers 429 with
 *   `Retry-After` and delivers nothing (`refusedCalls`, `refusedEmails`).
 * - `hold(n)`, or `holdAfterDelivered`: email calls are read but not answered until `release()`,
 *   then processed and counted as delivered whether or not the caller is still there (a provider
 *   finishing the calls of a process that died).
 *
 * Delivered emails are counted per recipient (`GET /__bench/recipients`: address → deliveries)
 * and per second of arrival (`perSecond` in `GET /__bench/stats`). Nothing is logged.
 *
 * Started by `startEmailStub()`; run directly as `node --import tsx bench/lib/email-stub.ts`, it
 * prints `{"url": …}` and serves until killed.
 */
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface StubLimit {
  seconds: number;
  max: number;
}

export interface StubConfig {
  delayMs: number;
  limits: StubLimit[];
  /**
   * Once this many emails were delivered, holds every email call that arrives (until `release()`):
   * the process making them can be killed while the provider has its calls.
   */
  holdAfterDelivered?: number;
}

export interface StubStats {
  /** Email calls received (single and batch), replays and refusals included. */
  calls: number;
  batchCalls: number;
  singleCalls: number;
  /** Emails delivered (idempotent replays excluded). */
  delivered: number;
  /** Calls answered from an earlier call with the same key (nothing delivered again). */
  replays: number;
  /** Calls answered 429 because a limit window was full, and the emails they carried. */
  refusedCalls: number;
  refusedEmails: number;
  /** Same key, different body (409). */
  conflicts: number;
  /** Emails delivered per second of arrival: [epoch second, count], ascending. */
  perSecond: [number, number][];
  /** Calls held open right now. */
  held: number;
}

// ─── the server (child process) ─────────────────────────────────────────────

function serve(): Promise<http.Server> {
  let config: StubConfig = { delayMs: 0, limits: [] };
  let stats = fresh();
  let windows = new Map<string, number>();
  let perSecond = new Map<number, number>();
  let byRecipient = new Map<string, number>();
  /** Recipient → the idempotency keys (and routes) of the calls that delivered to it, for duplicates only. */
  let firstKey = new Map<string, string>();
  let duplicateKeys: { first: string; again: string }[] = [];
  let idempotency = new Map<string, { hash: string; body: string }>();
  let holds = 0;
  const held: (() => void)[] = [];

  function fresh() {
    return {
      calls: 0,
      batchCalls: 0,
      singleCalls: 0,
      delivered: 0,
      replays: 0,
      refusedCalls: 0,
      refusedEmails: 0,
      conflicts: 0,
    };
  }
  const json = (res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) => {
    const body = JSON.stringify(payload);
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body);
  };
  const error = (res: http.ServerResponse, status: number, name: string, headers: Record<string, string> = {}) =>
    json(res, status, { statusCode: status, name, message: `Stubbed Resend error: ${name}` }, headers);

  async function readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, raw: string) {
    const url = new URL(req.url ?? "/", "http://stub");
    const action = `${req.method} ${pathname}`;
    if (action === "POST /__bench/config") {
      config = { delayMs: 0, limits: [], ...(JSON.parse(raw) as Partial<StubConfig>) };
      return json(res, 200, config);
    }
    if (action === "POST /__bench/reset") {
      stats = fresh();
      windows = new Map();
      perSecond = new Map();
      byRecipient = new Map();
      firstKey = new Map();
      duplicateKeys = [];
      idempotency = new Map();
      holds = 0;
      for (const resume of held.splice(0)) resume();
      return json(res, 200, { reset: true });
    }
    if (action === "POST /__bench/hold") {
      holds += Number(url.searchParams.get("count") ?? "1");
      return json(res, 200, { holds });
    }
    if (action === "POST /__bench/release") {
      holds = 0;
      config = { ...config, holdAfterDelivered: undefined };
      for (const resume of held.splice(0)) resume();
      return json(res, 200, { released: true });
    }
    if (action === "GET /__bench/stats") {
      const out: StubStats = {
        ...stats,
        perSecond: [...perSecond].sort((a, b) => a[0] - b[0]),
        held: held.length,
      };
      return json(res, 200, out);
    }
    if (action === "GET /__bench/recipients") return json(res, 200, Object.fromEntries(byRecipient));
    if (action === "GET /__bench/duplicates") return json(res, 200, duplicateKeys);
    return error(res, 404, "not_found");
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const pathname = new URL(req.url ?? "/", "http://stub").pathname.replace(/\/+$/, "");
    const raw = await readBody(req);
    if (pathname.startsWith("/__bench/")) return control(req, res, pathname, raw);
    const batch = pathname === "/emails/batch";
    if (req.method !== "POST" || (!batch && pathname !== "/emails")) return error(res, 404, "not_found");
    if (!/^Bearer \S+/.test(req.headers.authorization ?? "")) return error(res, 401, "missing_api_key");
    stats.calls++;
    if (batch) stats.batchCalls++;
    else stats.singleCalls++;

    const holdAll = config.holdAfterDelivered !== undefined && stats.delivered >= config.holdAfterDelivered;
    if (holds > 0 || holdAll) {
      if (!holdAll) holds--;
      await new Promise<void>((resolve) => held.push(resolve));
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return error(res, 422, "validation_error");
    }
    const emails = (batch ? parsed : [parsed]) as { to?: string | string[] }[];
    if (!Array.isArray(emails) || emails.length === 0 || emails.length > 100)
      return error(res, 422, "validation_error");

    const key = req.headers["idempotency-key"];
    const hash = createHash("sha256").update(pathname).update(raw).digest("hex");
    if (typeof key === "string" && key) {
      const first = idempotency.get(key);
      if (first) {
        if (first.hash !== hash) {
          stats.conflicts++;
          return error(res, 409, "invalid_idempotent_request");
        }
        stats.replays++;
        await sleep(config.delayMs);
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(first.body);
      }
    }

    const nowMs = Date.now();
    for (const { seconds, max } of config.limits) {
      const start = Math.floor(nowMs / (seconds * 1000)) * seconds * 1000;
      if ((windows.get(`${seconds}:${start}`) ?? 0) + emails.length > max) {
        stats.refusedCalls++;
        stats.refusedEmails += emails.length;
        const retryAfter = Math.max(1, Math.ceil((start + seconds * 1000 - nowMs) / 1000));
        return error(res, 429, "rate_limit_exceeded", { "retry-after": String(retryAfter) });
      }
    }
    for (const { seconds } of config.limits) {
      const id = `${seconds}:${Math.floor(nowMs / (seconds * 1000)) * seconds * 1000}`;
      windows.set(id, (windows.get(id) ?? 0) + emails.length);
    }
    const second = Math.floor(nowMs / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + emails.length);
    stats.delivered += emails.length;
    const via = `${batch ? "batch" : "single"}:${typeof key === "string" ? key : "-"}`;
    for (const email of emails) {
      const to = String(Array.isArray(email.to) ? email.to[0] : email.to);
      const n = (byRecipient.get(to) ?? 0) + 1;
      byRecipient.set(to, n);
      if (n === 1) firstKey.set(to, via);
      else duplicateKeys.push({ first: firstKey.get(to)!, again: via });
    }
    const ids = emails.map(() => randomUUID());
    const body = JSON.stringify(batch ? { data: ids.map((id) => ({ id })) } : { id: ids[0] });
    if (typeof key === "string" && key) idempotency.set(key, { hash, body });
    await sleep(config.delayMs);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) error(res, 500, "internal_server_error");
    });
  });
  // Keep idle connections longer than the client does (undici: 4 s), so the client closes first.
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const sleep = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

// ─── the client (benchmark process) ─────────────────────────────────────────

export interface EmailStub {
  url: string;
  pid: number;
  configure(config: Partial<StubConfig>): Promise<void>;
  reset(): Promise<void>;
  stats(): Promise<StubStats>;
  /** Deliveries per recipient address. */
  recipients(): Promise<Map<string, number>>;
  /** For each email delivered again to a recipient: the call (route and idempotency key) of the first delivery and of this one. */
  duplicates(): Promise<{ first: string; again: string }[]>;
  hold(count?: number): Promise<void>;
  release(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmailStub(): Promise<EmailStub> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ["--import", "tsx", self], {
    env: { ...process.env, BENCH_EMAIL_STUB: "1" },
    stdio: ["ignore", "pipe", "inherit"],
    cwd: path.resolve(path.dirname(self), "..", ".."),
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`the email stub exited with ${code}`)));
  });
  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`email stub ${route}: ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    url,
    pid: child.pid!,
    configure: async (config) => void (await call("POST", "/__bench/config", config)),
    reset: async () => void (await call("POST", "/__bench/reset")),
    stats: () => call<StubStats>("GET", "/__bench/stats"),
    recipients: async () => new Map(Object.entries(await call<Record<string, number>>("GET", "/__bench/recipients"))),
    duplicates: () => call<{ first: string; again: string }[]>("GET", "/__bench/duplicates"),
    hold: async (count = 1) => void (await call("POST", `/__bench/hold?count=${count}`)),
    release: async () => void (await call("POST", "/__bench/release")),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

if (
  process.env.BENCH_EMAIL_STUB === "1" &&
  process.argv[1] &&
  fileURLToPath(import.meta.url) === path.resolve(process.argv[1])
) {
  serve()
    .then((server) => {
      const { port } = server.address() as AddressInfo;
      console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` }));
      process.on("SIGTERM", () => process.exit(0));
    })
    .catch((error: unknown) => {
      console.error(`email stub failed: ${(error as Error).message}`);
      process.exit(1);
    });
}
