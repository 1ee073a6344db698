/**
 * The app under test: `next start` from the bench build (`BENCH_BUILD=1`: the production build
 * plus the baselines' routes, in `.next-bench`; built first when the sources changed since the
 * last bench build), on its own port, with a benchmark environment; and a second instance of it,
 * with no job runner, serving the baselines. Their output goes to our stderr so stdout keeps the
 * JSON summary. The baselines run in Next.js like the app, so a ratio measures our code, not
 * the framework's per-request cost.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** next.config.ts's `distDir` when `BENCH_BUILD=1`. */
const BENCH_DIST_DIR = ".next-bench";

export interface AppServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Builds `.next-bench` when it is missing or stale, with the fingerprint `npm start` uses for
 * `.next` (scripts/lib/build.ts). Build output goes to stderr.
 */
export async function ensureBuild(log: (message: string) => void): Promise<void> {
  const { sourceFingerprint } = await import("../../scripts/lib/build");
  const fs = await import("node:fs");
  const { spawnSync } = await import("node:child_process");
  const marker = path.join(ROOT, BENCH_DIST_DIR, "optin-build-fingerprint");
  const fingerprint = sourceFingerprint(ROOT);
  if (
    fs.existsSync(path.join(ROOT, BENCH_DIST_DIR, "BUILD_ID")) &&
    fs.existsSync(marker) &&
    fs.readFileSync(marker, "utf8") === fingerprint
  )
    return;
  log("bench build missing or stale: running next build (several minutes on 2 busy cores)…");
  const nextBin = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");
  const build = spawnSync(process.execPath, [nextBin, "build"], {
    cwd: ROOT,
    stdio: ["ignore", 2, 2],
    env: { ...process.env, NODE_ENV: "production", BENCH_BUILD: "1" },
  });
  if (build.status !== 0) throw new Error("the bench build failed (see above)");
  fs.writeFileSync(marker, fingerprint);
}

/**
 * Starts `next start -p port`. The environment is ours minus provider and Inngest settings (so
 * the log transports and the in-process job runner are used), plus `extra`.
 */
export async function startApp(port: number, extra: Record<string, string>): Promise<AppServer> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(RESEND_|TWILIO_|INNGEST_)/.test(name) || name === "JOBS_DISABLED" || name === "PUBLIC_URL") delete env[name];
  }
  Object.assign(
    env,
    { NODE_ENV: "production", BENCH_BUILD: "1", PORT: String(port), LOG_LEVEL: "warn", NEXT_TELEMETRY_DISABLED: "1" },
    extra,
  );
  const nextBin = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");
  // BENCH_APP_NODE_ARGS: extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? "").split(" ").filter(Boolean);
  return spawnServer(
    "app",
    "next start",
    [...nodeArgs, nextBin, "start", "-p", String(port)],
    env,
    port,
    "/api/health",
  );
}

/**
 * Starts the baselines' server: the same bench build on `port`, against `databaseUrl`, with the job
 * runner off (it must not deliver the app's messages). The baselines are its routes under
 * `/api/bench/` (`app/api/bench/<name>/route.bench.ts`).
 */
export async function startBaselineServer(port: number, databaseUrl: string): Promise<AppServer> {
  return startApp(port, { DATABASE_URL: databaseUrl, JOBS_DISABLED: "1" });
}

/** Spawns a server process, forwards its output to our stderr, and waits until `healthPath` answers 200. */
async function spawnServer(
  tag: string,
  label: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  healthPath: string,
): Promise<AppServer> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk: Buffer) => process.stderr.write(`[${tag}] ${chunk}`));
  child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(`[${tag}] ${chunk}`));
  let exited = false;
  child.on("exit", () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) throw new Error(`${label} exited early (port ${port} busy?)`);
    try {
      const response = await fetch(`${url}${healthPath}`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${label} did not answer ${healthPath} within 120 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (exited) return;
      const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}
