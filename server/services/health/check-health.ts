import { getDbHandle } from "@/server/lib/db";
import { logger } from "@/server/lib/logger";

const TIMEOUT_MS = 2_000;

/** Pings the database with a bounded wait. Never throws. */
export async function checkHealth(): Promise<{ status: "ok" | "degraded"; db: "ok" | "unreachable" }> {
  try {
    const ping = getDbHandle().then((handle) => handle.queryRows("select 1 as ok"));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("database ping timed out")), TIMEOUT_MS);
    });
    await Promise.race([ping, timeout]).finally(() => clearTimeout(timer));
    return { status: "ok", db: "ok" };
  } catch (error) {
    logger.warn({ err: (error as Error).message }, "health check: database unreachable");
    return { status: "degraded", db: "unreachable" };
  }
}
