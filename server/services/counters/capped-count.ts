import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";

/** Filtered counts no counter holds stop here: the page shows "10,000+" beyond it. */
export const COUNT_CAP = 10_000;

/**
 * How many rows a query would return, counting at most COUNT_CAP + 1 of them: cheap however big
 * the table, exact below the cap. `capped` means "more than COUNT_CAP" (show it as an estimate).
 */
export async function cappedCount(db: Queryable, query: SQL): Promise<{ count: number; capped: boolean }> {
  const [row] = resultRows<{ n: number | string }>(
    await db.execute(sql`select count(*) as n from (${query} limit ${COUNT_CAP + 1}) capped`),
  );
  const n = Number(row?.n ?? 0);
  return n > COUNT_CAP ? { count: COUNT_CAP, capped: true } : { count: n, capped: false };
}
