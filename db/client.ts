import path from "node:path";
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
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
}

export async function createDbHandle(options: CreateDbOptions): Promise<DbHandle> {
  if (options.databaseUrl) {
    const client = postgres(options.databaseUrl, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connect_timeout: 10,
      // Dates come back as Date objects; bigint counts as numbers.
      types: { bigint: postgres.BigInt },
    });
    const db = drizzlePostgres(client, { schema });
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
  if (!pglite) {
    if (options.pgliteDir) fs.mkdirSync(path.dirname(path.resolve(options.pgliteDir)), { recursive: true });
    pglite = options.pgliteDir ? await PGlite.create(path.resolve(options.pgliteDir)) : await PGlite.create();
  }
  const client = pglite;
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: "pglite",
    async queryRows<T>(text: string, params: unknown[] = []) {
      return (await client.query<T>(text, params)).rows;
    },
    close: () => client.close(),
  };
}
