/**
 * Delivery retry policy of the outbox. Pure functions, unit-tested (tests/unit/send-backoff.test.ts).
 *
 * A retryable provider error puts the message back to `queued` with `next_attempt_at` =
 * now + `retryDelayMs(attempt, retryAfterMs)`; after `MAX_DELIVERY_ATTEMPTS` calls it fails.
 * Schedule (no Retry-After): 30 s, 1 min, 2 min, 4 min, 8 min … capped at 1 h, so six attempts
 * span about 16 minutes (enough for a provider blip, short enough that a message is not
 * delivered hours late). A provider's `Retry-After` wins when it asks for longer.
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

/** Delay before attempt `attempt + 1`, where `attempt` (≥ 1) is the number of calls already made. */
export function retryDelayMs(attempt: number, retryAfterMs?: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 20));
  const backoff = Math.min(BASE_RETRY_DELAY_MS * 2 ** exponent, MAX_RETRY_DELAY_MS);
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
