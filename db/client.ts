import path from "node:path";
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { Logger } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

/**
 * One Drizzle API over two drivers. Both expose the same query builder; we type everything as
 * the postgres-js flavour and keep raw `execute()` behind `queryRows` (the drivers shape raw
 * results differently).
 */
export type Database = PostgresJsDatabase<typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Anything that can run queries: the database or an open transaction. */
export type Queryable = Database | Transaction;

export type DbKind = "pglite" | "postgres";

export interface DbHandle {
  db: Database;
  kind: DbKind;
  /** Raw SQL returning rows, the same shape on both drivers. */
  queryRows<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** postgres:// URL; when absent an embedded PGlite is used. */
  databaseUrl?: string;
  /** Directory for a file-backed PGlite; omitted = in-memory. */
  pgliteDir?: string;
  /** A ready PGlite instance (tests load one from a migrated template). */
  pglite?: PGlite;
  /** postgres.js pool size. */
  maxConnections?: number;
  /** PostgreSQL `application_name` of the pool's connections (shown in pg_stat_activity). */
  applicationName?: string;
  /** Sees every query run through `db` (not `queryRows`); benchmarks count statements with it. */
  logger?: Logger;
}

/**
 * Drizzle runs every query as an unnamed statement (postgres.js `prepare: false` unless the query
 * was given a name), so PostgreSQL parses and plans it again each time and its full text travels
 * with every call. This makes postgres.js use named statements, which it caches per connection by
 * query text: a repeated query is only bound and executed. Transactions and savepoints hand
 * drizzle a scoped client, wrapped the same way. Only queries with at most
 * MAX_NAMED_STATEMENT_PARAMS parameters are named: a long `in (…)` list makes a new text for each
 * length, and each named statement stays in its connection (and in the server's memory) until the
 * connection is recycled. (Behind a transaction-mode PgBouncer, named statements need PgBouncer
 * 1.21+ with max_prepared_statements.)
 */
const MAX_NAMED_STATEMENT_PARAMS = 64;

function withNamedStatements<T extends postgres.Sql>(sql: T): T {
  type Callback = (scoped: postgres.Sql) => unknown;
  const wrapScoped =
    (open: (...args: unknown[]) => unknown) =>
    (...args: unknown[]) => {
      const callback = args.pop() as Callback;
      return open(...args, (scoped: postgres.Sql) => callback(withNamedStatements(scoped)));
    };
  return new Proxy(sql, {
    get(target, key, receiver) {
      if (key === "unsafe") {
        return (query: string, params?: unknown[], options?: { prepare?: boolean }) =>
          target.unsafe(query, params as postgres.ParameterOrJSON<never>[], {
            ...options,
            prepare: options?.prepare === true || (params?.length ?? 0) <= MAX_NAMED_STATEMENT_PARAMS,
          });
      }
      if (key === "begin" || key === "savepoint") {
        const open = Reflect.get(target, key, receiver) as ((...args: unknown[]) => unknown) | undefined;
        return open ? wrapScoped(open.bind(target)) : open;
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

export async function createDbHandle(options: CreateDbOptions): Promise<DbHandle> {
  if (options.databaseUrl) {
    const client = postgres(options.databaseUrl, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connect_timeout: 10,
      connection: {
        // Named statements save the parse; their plans are made for each execution's parameters.
        // A generic plan chosen while a table was nearly empty stays cached as the table grows:
        // under the send benchmark on a fresh database, the delivery's blocked-since-decision
        // check kept a plan that walked every message of the workspace per call (0.8 s → 9 s per
        // call within a minute) until an ANALYZE invalidated it.
        plan_cache_mode: "force_custom_plan",
        ...(options.applicationName ? { application_name: options.applicationName } : {}),
      },
      // Dates come back as Date objects; bigint counts as numbers.
      types: { bigint: postgres.BigInt },
    });
    const db = drizzlePostgres(withNamedStatements(client), { schema, logger: options.logger });
    return {
      db,
      kind: "postgres",
      async queryRows<T>(text: string, params: unknown[] = []) {
        return (await client.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[];
      },
      close: () => client.end({ timeout: 5 }),
    };
  }

  let pglite = options.pglite;
  let release = () => {};
  if (!pglite) {
    if (options.pgliteDir) {
      fs.mkdirSync(path.dirname(path.resolve(options.pgliteDir)), { recursive: true });
      release = lockDataDir(path.resolve(options.pgliteDir));
    }
    try {
      pglite = options.pgliteDir ? await PGlite.create(path.resolve(options.pgliteDir)) : await PGlite.create();
    } catch (error) {
      release();
      throw error;
    }
  }
  const client = pglite;
  const db = drizzlePglite(client, { schema, logger: options.logger }) as unknown as Database;
  return {
    db,
    kind: "pglite",
    async queryRows<T>(text: string, params: unknown[] = []) {
      return (await client.query<T>(text, params)).rows;
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A file-backed PGlite must be opened by one process at a time (two would corrupt it), so the
 * directory gets a `<dir>.lock` file holding the owner's pid. A lock left by a dead process is
 * taken over; a live owner makes this open fail with a clear message. Returns the release function.
 */
export function lockDataDir(dir: string): () => void {
  const lockFile = `${dir}.lock`;
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, mine, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(fs.readFileSync(lockFile, "utf8").trim(), 10);
      if (owner === process.pid) break;
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new Error(
          `the embedded database is in use by another process (pid ${owner}); stop it first, or set DATABASE_URL`,
        );
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off("exit", release);
    try {
      if (fs.readFileSync(lockFile, "utf8").trim() === mine) fs.rmSync(lockFile, { force: true });
    } catch {
      // already gone
    }
  };
  process.on("exit", release);
  return release;
}
