/**
 * Time arithmetic for the serve protocol: `Sleep` ops carry either an Inngest duration string
 * (`"1w2d3h4m5s"`, as produced by the SDK's `timeStr`) or an ISO timestamp (`sleepUntil`).
 */

const UNIT_MS: Record<string, number> = {
  w: 7 * 24 * 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
  h: 60 * 60 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
};

const DURATION = /^(?:\d+(?:ms|w|d|h|m|s))+$/;
const DURATION_PART = /(\d+)(ms|w|d|h|m|s)/g;

/** Milliseconds in an Inngest duration string; `""` (a zero sleep) is 0. Null when not a duration. */
export function parseDuration(value: string): number | null {
  if (value === "") return 0;
  if (!DURATION.test(value)) return null;
  let total = 0;
  for (const match of value.matchAll(DURATION_PART)) total += Number(match[1]) * UNIT_MS[match[2]!]!;
  return total;
}

/** The moment a `Sleep`/timeout value points at, relative to `now`. Throws on anything else. */
export function resolveWakeTime(value: string, now: Date): Date {
  const ms = parseDuration(value);
  if (ms !== null) return new Date(now.getTime() + ms);
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new Error(`Unreadable sleep/timeout value "${value}"`);
  return at;
}

/**
 * When to retry after a retriable failure. `Retry-After` (seconds or an HTTP/ISO date, from
 * `RetryAfterError`) wins; otherwise exponential backoff: base * 2^attempt, capped.
 */
export function retryDelayMs(options: {
  attempt: number;
  retryAfter?: string | null;
  now: Date;
  baseDelayMs: number;
  maxDelayMs: number;
}): number {
  const { attempt, retryAfter, now, baseDelayMs, maxDelayMs } = options;
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = new Date(retryAfter).getTime();
    if (!Number.isNaN(at)) return Math.max(0, at - now.getTime());
    const duration = parseDuration(retryAfter);
    if (duration !== null) return duration;
  }
  return Math.min(baseDelayMs * 2 ** attempt, maxDelayMs);
}
