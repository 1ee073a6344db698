import path from "node:path";
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
