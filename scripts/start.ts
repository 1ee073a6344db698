/**
 * `npm start` (and `npm run dev` with --dev): validate env → open + migrate the database →
 * bootstrap → production build when sources changed → the web server (scripts/serve.ts: Next behind
 * our HTTP server) on PORT.
 * Failures before the server starts print one clear line and exit non-zero.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { EnvError, getEnv } from "../server/lib/env";
import { closeDb, DatabaseUnavailableError } from "../server/lib/db";
import { prepareDatabase, printAdminBanner } from "../server/boot";
import { buildIfNeeded } from "./lib/build";

const root = path.resolve(__dirname, "..");
const isDev = process.argv.includes("--dev");

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function main() {
  try {
    getEnv();
  } catch (error) {
    if (error instanceof EnvError) fail(error.message);
    throw error;
  }

  try {
    const result = await prepareDatabase();
    printAdminBanner(result);
  } catch (error) {
    if (error instanceof DatabaseUnavailableError || error instanceof EnvError) fail(error.message);
    throw error;
  } finally {
    // The server opens the database itself; an embedded PGlite allows one process at a time.
    await closeDb();
  }

  if (!isDev && !buildIfNeeded(root)) fail("The production build failed (see above).");

  // The web server runs in its own process: the preflight above has closed the database (an
  // embedded PGlite allows one process at a time) and the server opens it again.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(root, "scripts", "serve.ts"), ...(isDev ? ["--dev"] : [])],
    {
      cwd: root,
      stdio: "inherit",
      env: process.env,
    },
  );
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error: unknown) => fail(`Start-up failed: ${(error as Error).message}`));
