import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { providerCircuits } from "@/db/schema";
import { inTransaction } from "../context";
import { CIRCUIT_PROBE_TIMEOUT_MS, nextCircuit, type Circuit, type CircuitTally } from "./circuit-state";

/** The circuits of these providers (absent: closed, never failed). */
export async function readCircuits(db: Queryable, providers: readonly string[]): Promise<Map<string, Circuit>> {
  if (providers.length === 0) return new Map();
  const rows = await db
    .select()
    .from(providerCircuits)
    .where(inArray(providerCircuits.provider, [...new Set(providers)]));
  return new Map(rows.map((row) => [row.provider, row]));
}

/**
 * Claims a provider's probe: an open circuit whose wait is over (or a half-open one whose probe
 * never reported) becomes half-open with the probe starting now. One statement, so of several
 * processes one wins; the others see it half-open and wait.
 */
export async function claimProbe(db: Queryable, provider: string, now: Date): Promise<boolean> {
  const staleProbe = new Date(now.getTime() - CIRCUIT_PROBE_TIMEOUT_MS);
  const claimed = await db
    .update(providerCircuits)
    .set({ state: "half_open", windowStart: now })
    .where(
      and(
        eq(providerCircuits.provider, provider),
        or(
          and(
            eq(providerCircuits.state, "open"),
            sql`${providerCircuits.openUntil} <= ${now.toISOString()}::timestamptz`,
          ),
          and(
            eq(providerCircuits.state, "half_open"),
            sql`${providerCircuits.windowStart} <= ${staleProbe.toISOString()}::timestamptz`,
          ),
        ),
      ),
    )
    .returning({ provider: providerCircuits.provider });
  return claimed.length > 0;
}

/**
 * Records a round's outcomes for a provider (`nextCircuit`), under the row's lock so concurrent
 * rounds add up. Only called when something may change (a failure, a probe, or a success while
 * failures were counted), so a healthy provider costs no write.
 */
export async function recordCircuitOutcome(
  db: Queryable,
  provider: string,
  tally: CircuitTally,
  now: Date,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx
      .insert(providerCircuits)
      .values({ provider, state: "closed", failures: 0, windowStart: now })
      .onConflictDoNothing();
    const [current] = await tx
      .select()
      .from(providerCircuits)
      .where(eq(providerCircuits.provider, provider))
      .for("update");
    const next = nextCircuit(current, tally, now);
    if (next) await tx.update(providerCircuits).set(next).where(eq(providerCircuits.provider, provider));
  });
}
