/**
 * Delivery retry policy of the outbox. Pure functions, unit-tested (tests/unit/send-backoff.test.ts).
 *
 * A retryable provider error puts the message back to `queued` with `next_attempt_at` =
 * now + `retryDelayMs(attempt, retryAfterMs)`; after `MAX_DELIVERY_ATTEMPTS` calls it fails.
 * Schedule (no Retry-After): 30 s, 1 min, 2 min, 4 min, 8 min … capped at 1 h, each moved by up to
 * ±`RETRY_JITTER` at random, so six attempts span about 16 minutes (13 to 19; enough for a provider
 * blip, short enough that a message is not delivered hours late). The jitter spreads the messages
 * that failed together in one provider outage (a campaign chunk, a burst of API sends) over a
 * window instead of sending them all back at the same second, which would hit the recovering
 * provider, and our sending limits, as one wave again. A provider's `Retry-After` is a floor the
 * jitter never goes below: it wins when it asks for longer.
 */
export const MAX_DELIVERY_ATTEMPTS = 6;
export const BASE_RETRY_DELAY_MS = 30_000;
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/**
 * A `sending` row untouched this long belongs to a dispatcher that died: it is re-dispatched (same
 * idempotency key). The default of `DELIVERY_STUCK_SECONDS`.
 */
export const STUCK_SENDING_MS = 5 * 60 * 1000;

/**
 * A quiet-hours deferral expires this long after its decision (`messages.expires_at`; a send may
 * choose another span, `SendRequest.deferredExpiryHours`): a marketing text that could not go out
 * within half a day is stale, so it fails as `expired` (then its fallback, if it asked for one)
 * instead of arriving a day late. A deferral longer than this (a state that forbids Sundays, a
 * message deferred on Saturday evening) therefore expires before its window opens.
 */
export const DEFERRED_EXPIRY_HOURS = 12;

/** Queued rows younger than this are left to the in-process dispatch that follows their commit. */
export const SWEEP_GRACE_MS = 30_000;

/** The share of the exponential delay by which a retry may come earlier or later (±20%). */
export const RETRY_JITTER = 0.2;

/**
 * Delay before attempt `attempt + 1`, where `attempt` (≥ 1) is the number of calls already made.
 * `random` returns a number in [0, 1) (0 → 20% earlier, 0.5 → on the schedule, towards 1 → 20%
 * later); tests pass a fixed one, and the members of one batch call pass the same draw so they
 * come due together and are replayed as one call. The result never exceeds `MAX_RETRY_DELAY_MS`.
 */
export function retryDelayMs(attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 20));
  const raw = random();
  const draw = Number.isFinite(raw) ? Math.min(Math.max(raw, 0), 1) : 0.5;
  const factor = 1 + RETRY_JITTER * (2 * draw - 1);
  // Capped before the jitter too, so delays at the cap still spread (over its last fifth).
  const scheduled = Math.min(BASE_RETRY_DELAY_MS * 2 ** exponent, MAX_RETRY_DELAY_MS);
  const backoff = Math.min(Math.round(scheduled * factor), MAX_RETRY_DELAY_MS);
  const asked =
    retryAfterMs !== undefined && Number.isFinite(retryAfterMs)
      ? Math.min(Math.max(0, retryAfterMs), MAX_RETRY_DELAY_MS)
      : 0;
  return Math.max(backoff, asked);
}

/** Whether a failed call may be retried: the provider's classification and the attempt budget. */
export function shouldRetry(attempt: number, retryable: boolean): boolean {
  return retryable && attempt < MAX_DELIVERY_ATTEMPTS;
}
