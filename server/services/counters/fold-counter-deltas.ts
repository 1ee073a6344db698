import { sql } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import type { JobContext } from "../context";

/**
 * Moves the pending `counter_deltas` into `counter_totals` (every minute, `fold-counters`): one
 * statement, so a concurrent read (which sums totals and deltas in one snapshot) sees either
 * both before or both after. Deltas appended meanwhile stay for the next fold. Counters of
 * workspaces that no longer exist are dropped. Only this job writes `counter_totals`, so the
 * writers of contacts and messages never wait on a counter row; an advisory lock keeps two folds
 * (two processes) from updating the same totals at once.
 */
export async function foldCounterDeltas({ ctx }: { ctx: JobContext }): Promise<{ deltas: number }> {
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('fold-counters'))`);
    const [row] = resultRows<{ deltas: number | string }>(
      await tx.execute(sql`
        with moved as (
          delete from counter_deltas returning workspace_id, kind, key, delta
        ), sums as (
          select workspace_id, kind, key, sum(delta) as delta, count(*) as rows from moved group by workspace_id, kind, key
        ), applied as (
          insert into counter_totals (workspace_id, kind, key, n)
          select s.workspace_id, s.kind, s.key, s.delta from sums s
           where exists (select 1 from workspaces w where w.id = s.workspace_id)
          on conflict (workspace_id, kind, key) do update set n = counter_totals.n + excluded.n
          returning 1
        )
        select coalesce((select sum(rows) from sums), 0) as deltas, (select count(*) from applied) as applied`),
    );
    await tx.execute(
      sql`delete from counter_totals t where not exists (select 1 from workspaces w where w.id = t.workspace_id)`,
    );
    return { deltas: Number(row?.deltas ?? 0) };
  });
}
