import path from "node:path";
import { createDbHandle, type DbHandle } from "@/db/client";
import { pendingMigrationCount, runMigrations } from "@/db/migrate";
import { getEnv } from "./env";
import { claimEmbeddedDatabase } from "./embedded-db-lock";

/**
 * The process-wide database. Kept on `globalThis` because Next can load a module twice, and an
 * in-memory or file-backed PGlite opened twice would silently become two databases.
 */
const globalForDb = globalThis as unknown as { __optinDb?: Promise<DbHandle>; __optinDbRelease?: () => void };

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

async function open(migrate: boolean): Promise<DbHandle> {
  const env = getEnv();
  const pgliteDir = path.join(path.resolve(env.DATA_DIR), "pglite");
  const target = describeTarget(env.DATABASE_URL, pgliteDir);
  let handle: DbHandle;
  // One process at a time on the embedded database (a second opener would corrupt it).
  const release = env.DATABASE_URL ? undefined : claimEmbeddedDatabaseOrExplain(pgliteDir);
  try {
    handle = await createDbHandle({ databaseUrl: env.DATABASE_URL, pgliteDir });
    await handle.queryRows("select 1");
  } catch (error) {
    release?.();
    throw new DatabaseUnavailableError(`Cannot reach the database (${target}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  globalForDb.__optinDbRelease = release;
  if (migrate) {
    await runMigrations(handle);
  } else {
    const pending = await pendingMigrationCount(handle);
    if (pending > 0) {
      await handle.close().catch(() => {});
      release?.();
      globalForDb.__optinDbRelease = undefined;
      throw new DatabaseUnavailableError(
        `The database (${target}) is ${pending} migration(s) behind this version and MIGRATE_ON_START is false: run scripts/migrate.ts (npm run db:migrate, or the chart's migration job) first`,
      );
    }
  }
  return handle;
}

function claimEmbeddedDatabaseOrExplain(pgliteDir: string): () => void {
  try {
    return claimEmbeddedDatabase(pgliteDir);
  } catch (error) {
    throw new DatabaseUnavailableError((error as Error).message, { cause: error });
  }
}

/**
 * Opens (once) the configured database and migrates it — unless MIGRATE_ON_START is false, when it
 * only checks that no migration is pending. `scripts/migrate.ts` passes `{ migrate: true }`.
 */
export function getDbHandle(options: { migrate?: boolean } = {}): Promise<DbHandle> {
  if (!globalForDb.__optinDb) {
    globalForDb.__optinDb = open(options.migrate ?? getEnv().MIGRATE_ON_START);
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
  const release = globalForDb.__optinDbRelease;
  globalForDb.__optinDbRelease = undefined;
  try {
    if (current) await (await current).close();
  } finally {
    release?.();
  }
}
