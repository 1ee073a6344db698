import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";

/**
 * Crash tests: the production server (`npm run build` first) as a child process on a fresh
 * PostgreSQL database, killed with SIGKILL and started again on the same database and DATA_DIR.
 *
 * The child is `node --import tsx scripts/serve.ts`, the process `npm start` runs after its
 * preflight (the preflight only migrates and bootstraps, which the server's own boot does too);
 * running it directly means SIGKILL hits the process that holds the work, with no parent left to
 * forward signals.
 */

const ROOT = path.resolve(__dirname, "..", "..");
/** INIT_ADMIN_API_KEY of the crash server: every scope in the default workspace. */
export const CRASH_ADMIN_API_KEY = "om_crash_0123456789abcdefghijklmnopqrstuvwxyzAB";
export const CRASH_TWILIO_SID = `AC${"0123456789abcdef".repeat(2)}`;
export const CRASH_TWILIO_FROM = "+15005550006";

export interface CrashServerOptions {
  /** Extra environment (provider URLs, DELIVERY_STUCK_SECONDS…). */
  env?: Record<string, string>;
}

export interface CrashServer {
  url: string;
  databaseUrl: string;
  /** Starts the server (again) on the same database, port and DATA_DIR; resolves when /api/health answers 200. */
  start(): Promise<void>;
  /** SIGKILL: no shutdown handler runs. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** Calls `/api/v1` with the bootstrap key. */
  api(
    method: string,
    route: string,
    body?: unknown,
    init?: { headers?: Record<string, string>; rawBody?: BodyInit },
  ): Promise<{ status: number; body: any }>;
  /** Runs SQL on the server's database (read-only checks). */
  sql: postgres.Sql;
  /** What the server printed (stdout and stderr), for failure messages. */
  output(): string;
  /** Kills the server, drops the database and DATA_DIR. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let counter = 0;

export async function startCrashServer(options: CrashServerOptions = {}): Promise<CrashServer> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error("crash tests need TEST_DATABASE_URL");
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID")))
    throw new Error("crash tests run the production build: run `npm run build` first");

  const dbName = `optin_crash_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${dbName}"`);
  await admin.end();
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const databaseUrl = dbUrl.toString();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "optin-crash-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });

  let child: ChildProcess | undefined;
  let log = "";
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    PORT: String(port),
    PUBLIC_URL: url,
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    APP_SECRET: "crash-app-secret-crash-app-secret-crash-app",
    INIT_ADMIN_EMAIL: "owner@crash.test",
    INIT_ADMIN_PASSWORD: "crash-owner-password",
    INIT_ADMIN_API_KEY: CRASH_ADMIN_API_KEY,
    POSTAL_ADDRESS: "OptIn Crash Co, 1 Main Street, Springfield",
    EMAIL_FROM: "Crash Test <news@example.com>",
    LOG_LEVEL: "warn",
    ...options.env,
  };

  async function waitForHealth(proc: ChildProcess, timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(
          `the server exited (${proc.exitCode ?? proc.signalCode}) before it was healthy:\n${log.slice(-4000)}`,
        );
      try {
        const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the server was not healthy after ${timeoutMs} ms:\n${log.slice(-4000)}`);
  }

  const server: CrashServer = {
    url,
    databaseUrl,
    sql,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null)
        throw new Error("the server is already running");
      const proc = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "serve.ts")], {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = proc;
      proc.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
      proc.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
      await waitForHealth(proc);
    },
    async kill() {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      proc.kill("SIGKILL");
      await exited;
    },
    async api(method, route, body, init = {}) {
      const res = await fetch(`${url}/api/v1${route}`, {
        method,
        headers: {
          authorization: `Bearer ${CRASH_ADMIN_API_KEY}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...init.headers,
        },
        body: init.rawBody ?? (body !== undefined ? JSON.stringify(body) : undefined),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed };
    },
    output: () => log,
    async close() {
      await server.kill();
      await sql.end({ timeout: 5 });
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists "${dbName}" with (force)`);
      await cleanup.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
