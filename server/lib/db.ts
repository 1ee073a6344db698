import path from "node:path";
import { createDbHandle, type DbHandle } from "@/db/client";
import { runMigrations } from "@/db/migrate";
import { getEnv } from "./env";

/**
 * The process-wide database. Kept on `globalThis` because Next can load a module twice, and an
 * in-memory or file-backed PGlite opened twice would silently become two databases.
 */
const globalForDb = globalThis as unknown as { __optinDb?: Promise<DbHandle> };

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}

function describeTarget(databaseUrl: string | undefined, pgliteDir: string): string {
  if (!databaseUrl) return `embedded PGlite in ${pgliteDir}`;
  const url = new URL(databaseUrl);
  return `PostgreSQL at ${url.hostname}:${url.port || "5432"}${url.pathname}`;
}

async function open(): Promise<DbHandle> {
  const env = getEnv();
  const pgliteDir = path.join(path.resolve(env.DATA_DIR), "pglite");
  const target = describeTarget(env.DATABASE_URL, pgliteDir);
  let handle: DbHandle;
  try {
    handle = await createDbHandle({ databaseUrl: env.DATABASE_URL, pgliteDir });
    await handle.queryRows("select 1");
  } catch (error) {
    throw new DatabaseUnavailableError(`Cannot reach the database (${target}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  await runMigrations(handle);
  return handle;
}

/** Opens (once) and migrates the configured database. */
export function getDbHandle(): Promise<DbHandle> {
  if (!globalForDb.__optinDb) {
    globalForDb.__optinDb = open();
    globalForDb.__optinDb.catch(() => {
      globalForDb.__optinDb = undefined;
    });
  }
  return globalForDb.__optinDb;
}

/** Tests install their own database (a fresh PGlite or PostgreSQL database per file). */
export function setDbHandle(handle: DbHandle): void {
  globalForDb.__optinDb = Promise.resolve(handle);
}

export async function closeDb(): Promise<void> {
  const current = globalForDb.__optinDb;
  globalForDb.__optinDb = undefined;
  if (current) await (await current).close();
}
