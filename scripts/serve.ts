/**
 * The web server process: Next (production, or development with --dev) behind our HTTP server
 * (server/http/server.ts), on PORT. `npm start` runs this after its preflight; the Docker image
 * runs it directly. Next's own boot (instrumentation.ts) migrates, bootstraps and starts jobs.
 */
import path from "node:path";
import next from "next";
import { createAppHttpServer } from "../server/http/server";
import { EnvError, getEnv } from "../server/lib/env";

const root = path.resolve(__dirname, "..");
const isDev = process.argv.includes("--dev");

async function main() {
  let env;
  try {
    env = getEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const httpServer = createAppHttpServer((req, res) => handle(req, res));
  const app = next({ dev: isDev, dir: root, hostname: "localhost", port: env.PORT, httpServer });
  const handle = app.getRequestHandler();
  await app.prepare();
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    // Every interface, like `next start`.
    httpServer.listen(env.PORT, resolve);
  });
  console.log(`  Ready on ${env.PUBLIC_URL} (port ${env.PORT}${isDev ? ", development" : ""})`);

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    // Stop accepting, let requests in flight finish, then leave; a second signal or 10 s forces it.
    httpServer.close(() => void app.close().finally(() => process.exit(0)));
    httpServer.closeIdleConnections();
    setTimeout(() => process.exit(signal === "SIGINT" ? 130 : 143), 10_000).unref();
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
  console.error(`Server failed: ${(error as Error).message}`);
  process.exit(1);
});
