import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { pgTextArray } from "./pg-array";

/**
 * Every transaction-scoped advisory lock the product takes goes through this file, so the lock
 * spaces cannot collide by accident:
 * - keyed locks on `hashtextextended(key, 0)` (one bigint): per contact (the contact id), per
 *   address (its blind index), per named resource (`confirmations:<hash>`…), per sender's rate
 *   windows (`sender-rate:<sender>`, server/services/messages/sending-limits.ts);
 * - class-scoped locks on `(classId, hashtext(scope))` (two int4s): one class per serialised
 *   stream, e.g. a workspace's audit chain or its import writer.
 */

/**
 * Locks on every key, taken in sorted order in one statement, so two transactions that share keys
 * never wait on each other in a cycle. The per-contact lock (the contact id as key) is the one every
 * consent writer and every send takes.
 */
export async function lockKeysInOrder(tx: Queryable, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  if (keys.length === 1) {
    await lockKey(tx, keys[0]!);
    return;
  }
  const sorted = [...new Set(keys)].sort();
  await tx.execute(
    sql`select count(*) from (select pg_advisory_xact_lock(hashtextextended(x, 0)) from (select x from unnest(${pgTextArray(sorted)}::text[]) as x order by x) as ordered) as locked`,
  );
}

/** One keyed lock (a contact id, an address hash, a named resource). */
export async function lockKey(tx: Queryable, key: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
}

/**
 * The class-scoped lock as an SQL expression, for callers that fold it into a statement they run
 * anyway (one round trip on a hot path). `classId` is a 32-bit constant naming the stream.
 */
export function classLockSql(classId: number, scope: string): SQL {
  return sql`pg_advisory_xact_lock(${sql.raw(String(classId | 0))}, hashtext(${scope}::text))`;
}

/** Serialises one stream (`classId`) within one scope (e.g. a workspace id; "" for none). */
export async function lockClass(tx: Queryable, classId: number, scope: string): Promise<void> {
  await tx.execute(sql`select ${classLockSql(classId, scope)}`);
}
