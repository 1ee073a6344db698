/**
 * The circuit breaker of a provider, as pure rules (tests/unit/circuit-state.test.ts); the
 * database side is provider-circuits.ts.
 *
 * - closed: delivery calls the provider. Retryable failures (`throttled`, `unavailable`, and
 *   unexpected errors) are counted in a window that starts at the first failure and lasts
 *   CIRCUIT_FAILURE_WINDOW_MS; an answer from the provider (an accepted message, or a final
 *   refusal of one) resets the count. CIRCUIT_FAILURE_THRESHOLD failures in
 *   one window open the circuit for CIRCUIT_OPEN_MS.
 * - open: delivery does not call the provider; its messages wait, not counting an attempt, until
 *   `openUntil`.
 * - half-open (once `openUntil` has passed): one delivery call may go through (the probe). An
 *   answer closes the circuit; its failure opens it again for twice the last wait, at most
 *   CIRCUIT_MAX_OPEN_MS. A probe that never reports (its process died) may be tried again after
 *   CIRCUIT_PROBE_TIMEOUT_MS.
 */

export const CIRCUIT_FAILURE_THRESHOLD = 10;
export const CIRCUIT_FAILURE_WINDOW_MS = 60_000;
export const CIRCUIT_OPEN_MS = 30_000;
export const CIRCUIT_MAX_OPEN_MS = 5 * 60_000;
export const CIRCUIT_PROBE_TIMEOUT_MS = 60_000;
/** How long messages of a provider whose probe is under way elsewhere wait before they ask again. */
export const CIRCUIT_PROBE_WAIT_MS = 2_000;

export type CircuitStateName = "closed" | "open" | "half_open";

/** A `provider_circuits` row. While half-open, `windowStart` is when the probe was let through. */
export interface Circuit {
  provider: string;
  state: CircuitStateName;
  failures: number;
  windowStart: Date;
  openedAt: Date | null;
  openUntil: Date | null;
}

/** What delivery may do with a provider now. */
export type CircuitGate =
  | { kind: "closed" }
  /** Wait until `until` (open, or a probe under way elsewhere). */
  | { kind: "wait"; until: Date }
  /** The wait is over: whoever claims the probe sends one call. */
  | { kind: "probe" };

export function gateOf(circuit: Circuit | undefined, now: Date): CircuitGate {
  if (!circuit || circuit.state === "closed") return { kind: "closed" };
  if (circuit.state === "open") {
    return circuit.openUntil && circuit.openUntil > now
      ? { kind: "wait", until: circuit.openUntil }
      : { kind: "probe" };
  }
  if (now.getTime() - circuit.windowStart.getTime() >= CIRCUIT_PROBE_TIMEOUT_MS) return { kind: "probe" };
  return { kind: "wait", until: new Date(now.getTime() + CIRCUIT_PROBE_WAIT_MS) };
}

/** The outcomes of one delivery round's calls to a provider, in the order they answered. */
export interface CircuitTally {
  /** Retryable failures since the last success (all of them when none succeeded). */
  failures: number;
  /** Whether the provider answered any call (accepted it, or refused it for good: it is up either way). */
  succeeded: boolean;
  /** Whether this round held the provider's probe. */
  probe: boolean;
}

export type CircuitUpdate = Omit<Circuit, "provider">;

/**
 * The circuit after a round's outcomes, or null when nothing changes. Outcomes of calls made while
 * the circuit was closed do not move a circuit that another round opened meanwhile.
 */
export function nextCircuit(current: Circuit | undefined, tally: CircuitTally, now: Date): CircuitUpdate | null {
  const kept = { openedAt: current?.openedAt ?? null, openUntil: current?.openUntil ?? null };
  if (tally.probe) {
    if (tally.failures === 0) return { state: "closed", failures: 0, windowStart: now, ...kept };
    const lastWait =
      current?.openedAt && current.openUntil
        ? current.openUntil.getTime() - current.openedAt.getTime()
        : CIRCUIT_OPEN_MS;
    const wait = Math.min(Math.max(lastWait, CIRCUIT_OPEN_MS) * 2, CIRCUIT_MAX_OPEN_MS);
    return {
      state: "open",
      failures: (current?.failures ?? 0) + tally.failures,
      windowStart: now,
      openedAt: now,
      openUntil: new Date(now.getTime() + wait),
    };
  }
  if (current && current.state !== "closed") return null;

  const inWindow = current !== undefined && now.getTime() - current.windowStart.getTime() < CIRCUIT_FAILURE_WINDOW_MS;
  const carried = tally.succeeded || !inWindow ? 0 : current.failures;
  const failures = carried + tally.failures;
  if (failures === (current?.failures ?? 0) && (carried > 0 || failures === 0)) return null;
  const windowStart = carried > 0 ? current!.windowStart : now;
  if (failures >= CIRCUIT_FAILURE_THRESHOLD)
    return {
      state: "open",
      failures,
      windowStart,
      openedAt: now,
      openUntil: new Date(now.getTime() + CIRCUIT_OPEN_MS),
    };
  return { state: "closed", failures, windowStart, ...kept };
}
