import path from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type { DbHandle } from "./client";

/** Folder of the committed SQL migrations (the server's working directory holds `drizzle/`). */
export function migrationsFolder(): string {
  return path.resolve(process.cwd(), "drizzle");
}

/** Applies pending drizzle-kit migrations. Idempotent; safe on every start. */
export async function runMigrations(handle: DbHandle): Promise<void> {
  const config = { migrationsFolder: migrationsFolder() };
  if (handle.kind === "pglite") {
    await migratePglite(handle.db as unknown as PgliteDatabase<Record<string, never>>, config);
  } else {
    await migratePostgres(handle.db, config);
  }
}

/**
 * How many committed migrations the database has not applied yet (the same rule as drizzle's
 * migrator: those newer than the last one recorded in `drizzle.__drizzle_migrations`).
 */
export async function pendingMigrationCount(handle: DbHandle): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder: migrationsFolder() });
  const [table] = await handle.queryRows<{ exists: boolean }>(
    "select to_regclass('drizzle.__drizzle_migrations') is not null as exists",
  );
  if (!table?.exists) return migrations.length;
  const [last] = await handle.queryRows<{ created_at: string | number | null }>(
    "select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1",
  );
  const lastApplied = last?.created_at == null ? -Infinity : Number(last.created_at);
  return migrations.filter((m) => m.folderMillis > lastApplied).length;
}
