import fs from "node:fs";
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import type { Logger } from "drizzle-orm";
import postgres from "postgres";
import { inject } from "vitest";
import { createDbHandle, type Database, type DbHandle } from "@/db/client";

import "./provided-context";

/** Which database this test project runs on. */
export function testDatabaseKind(): "pglite" | "postgres" {
  return inject("dbKind");
}

/**
 * A fresh, migrated database of its own: a PGlite loaded from the run's template, or, when
 * TEST_DATABASE_URL is set, a PostgreSQL database copied from the run's template database
 * (dropped again by `close()`).
 */
export async function createTestDb(): Promise<DbHandle> {
  if (testDatabaseKind() === "postgres") {
    const adminUrl = process.env.TEST_DATABASE_URL!;
    const template = inject("postgresTemplateDb");
    const name = `optin_t_${template.replace("optin_tpl_", "")}_${randomBytes(4).toString("hex")}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database "${name}" template "${template}"`);
        break;
      } catch (error) {
        // Two files copying the template at the same instant can collide; try again shortly.
        if (attempt >= 10) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const handle = await createDbHandle({ databaseUrl: url.toString(), maxConnections: 5 });
    return {
      ...handle,
      async close() {
        await handle.close();
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
        await admin.end();
      },
    };
  }
  const templatePath = inject("pgliteTemplatePath");
  const blob = new Blob([fs.readFileSync(templatePath)]);
  const pglite = await PGlite.create({ loadDataDir: blob });
  return createDbHandle({ pglite });
}

/**
 * Counts the statements the query layer runs on `db` until `stop()` (BEGIN and COMMIT are the
 * driver's, not counted), each as its first 200 characters with whitespace folded.
 */
export function countStatements(db: Database): { stop(): string[] } {
  const seen: string[] = [];
  const logger: Logger = { logQuery: (query) => void seen.push(query.replace(/\s+/g, " ").trim().slice(0, 200)) };
  const session = (db as unknown as { session: { logger: Logger; options: { logger?: Logger } } }).session;
  const before = { logger: session.logger, option: session.options.logger };
  session.logger = logger;
  session.options.logger = logger;
  return {
    stop() {
      session.logger = before.logger;
      session.options.logger = before.option;
      return seen;
    },
  };
}
