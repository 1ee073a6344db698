import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { pgTextArray } from "./pg-array";

/**
 * Transaction-scoped advisory locks on `hashtextextended(key, 0)` for every key, taken in sorted
 * order in one statement, so two transactions that share keys never wait on each other in a cycle.
 * The per-contact lock (the contact id as key) is the one every consent writer and every send takes.
 */
export async function lockKeysInOrder(tx: Queryable, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  if (keys.length === 1) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${keys[0]!}, 0))`);
    return;
  }
  const sorted = [...new Set(keys)].sort();
  await tx.execute(
    sql`select count(*) from (select pg_advisory_xact_lock(hashtextextended(x, 0)) from (select x from unnest(${pgTextArray(sorted)}::text[]) as x order by x) as ordered) as locked`,
  );
}
