import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { createDbHandle } from "@/db/client";
import { migrationsFolder, pendingMigrationCount, runMigrations } from "@/db/migrate";
import { closeDb, DatabaseUnavailableError, getDbHandle } from "@/server/lib/db";
import { resetEnv } from "@/server/lib/env";
import { createTestDb } from "../helpers/db";

/**
 * MIGRATE_ON_START=false (the Helm chart, whose hook Job migrates): the server opens the database
 * without migrating and refuses one that is behind; scripts/migrate.ts (`{ migrate: true }`)
 * still migrates.
 */
const committed = readMigrationFiles({ migrationsFolder: migrationsFolder() }).length;
const saved = { DATA_DIR: process.env.DATA_DIR, MIGRATE_ON_START: process.env.MIGRATE_ON_START };

afterEach(async () => {
  await closeDb();
  process.env.DATA_DIR = saved.DATA_DIR;
  if (saved.MIGRATE_ON_START === undefined) delete process.env.MIGRATE_ON_START;
  else process.env.MIGRATE_ON_START = saved.MIGRATE_ON_START;
  resetEnv();
});

describe("pending migrations", () => {
  it("counts every committed migration on an empty database and none once migrated", async () => {
    expect(committed).toBeGreaterThan(0);
    const handle = await createDbHandle({});
    try {
      expect(await pendingMigrationCount(handle)).toBe(committed);
      await runMigrations(handle);
      expect(await pendingMigrationCount(handle)).toBe(0);
    } finally {
      await handle.close();
    }
  }, 120_000);
});

describe("pending migrations on this project's database", () => {
  it("a migrated database (PGlite or PostgreSQL) has none pending, one rolled back has one", async () => {
    const handle = await createTestDb();
    try {
      expect(await pendingMigrationCount(handle)).toBe(0);
      await handle.queryRows(
        "delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)",
      );
      expect(await pendingMigrationCount(handle)).toBe(1);
    } finally {
      await handle.close();
    }
  }, 120_000);
});

describe("MIGRATE_ON_START=false", () => {
  it("refuses a database behind the code, leaves it unmigrated, and opens it once migrated", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "optin-migrate-on-start-"));
    process.env.DATA_DIR = dataDir;
    process.env.MIGRATE_ON_START = "false";
    resetEnv();

    const refused = await getDbHandle().then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DatabaseUnavailableError);
    expect((refused as Error).message).toMatch(new RegExp(`${committed} migration\\(s\\) behind.*MIGRATE_ON_START`));

    // Nothing was applied: the migration step (scripts/migrate.ts) finds all of them pending.
    const migrated = await getDbHandle({ migrate: true });
    const [row] = await migrated.queryRows<{ n: number }>(
      "select count(*)::int as n from drizzle.__drizzle_migrations",
    );
    expect(row?.n).toBe(committed);
    await closeDb();

    // The server's own open now succeeds without migrating.
    const handle = await getDbHandle();
    expect(await pendingMigrationCount(handle)).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);
});
