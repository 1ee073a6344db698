import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";

export type CounterKind = "contacts" | "tag" | "consent" | "messages";

/**
 * Current values of a workspace's counters of one kind (all of them, or the given keys): the
 * folded total plus the deltas not folded yet, in one statement (one snapshot, so exact even
 * while the fold runs). Counters never touched are absent (read them as 0).
 */
export async function readCounters(
  db: Queryable,
  workspaceId: string,
  kind: CounterKind,
  keys?: readonly string[],
): Promise<Map<string, number>> {
  if (keys && keys.length === 0) return new Map();
  const only = keys
    ? sql`and key in (${sql.join(
        keys.map((k) => sql`${k}`),
        sql`, `,
      )})`
    : sql``;
  const rows = resultRows<{ key: string; n: number | string }>(
    await db.execute(sql`
      select key, sum(n) as n from (
        select key, n from counter_totals where workspace_id = ${workspaceId}::uuid and kind = ${kind} ${only}
        union all
        select key, delta from counter_deltas where workspace_id = ${workspaceId}::uuid and kind = ${kind} ${only}
      ) c group by key`),
  );
  return new Map(rows.map((r) => [r.key, Number(r.n)]));
}

/** The key of a consent counter: consent_states rows of this topic × channel in this status. */
export const consentCounterKey = (topicId: string, channel: string, status: string) =>
  `${topicId}:${channel}:${status}`;
