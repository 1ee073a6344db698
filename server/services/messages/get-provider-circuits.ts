import { asc } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { providerCircuits } from "@/db/schema";
import type { Clock } from "@/server/lib/clock";
import type { CircuitStateName } from "./circuit-state";

export interface ProviderCircuitView {
  /** The transport's name (`resend`, `twilio`, `log`…). */
  provider: string;
  /**
   * `closed`: sending; `open`: failing, nothing is sent to it until `openUntil`; `half_open`: the
   * wait is over and the next delivery tries one call (also while that call is under way).
   */
  state: CircuitStateName;
  /** Set while open: when sending resumes (with one trial call). */
  openUntil: Date | null;
  /** Retryable failures counted in the current window (or that opened the circuit). */
  failures: number;
}

/**
 * The circuit breaker of every provider that has failed at least once (others are closed), as of
 * `ctx.now()`: an open circuit whose wait has passed reads `half_open`. For pages that say
 * "provider failing: paused until …" (a campaign's progress, the Outbox). Providers are shared by
 * every workspace and their state holds no workspace data.
 */
export async function getProviderCircuits({
  ctx,
}: {
  ctx: { db: Queryable; now: Clock };
}): Promise<ProviderCircuitView[]> {
  const now = ctx.now();
  const rows = await ctx.db.select().from(providerCircuits).orderBy(asc(providerCircuits.provider));
  return rows.map((row) => {
    const open = row.state === "open" && row.openUntil !== null && row.openUntil > now;
    return {
      provider: row.provider,
      state: row.state === "closed" ? "closed" : open ? "open" : "half_open",
      openUntil: open ? row.openUntil : null,
      failures: row.failures,
    };
  });
}
