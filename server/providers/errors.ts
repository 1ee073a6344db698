/**
 * A provider refused or could not take a message. `retryable` is the provider adapter's
 * classification (rate limits, 5xx, timeouts, queue overflow: true; a bad or opted-out recipient:
 * false); `retryAfterMs` carries the provider's `Retry-After` when it sent one.
 */
export class ProviderError extends Error {
  readonly retryAfterMs?: number;
  /** HTTP status of the provider's answer; undefined for network errors and timeouts. */
  readonly status?: number;

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly providerCode?: string,
    options: { retryAfterMs?: number; status?: number } = {},
  ) {
    super(message);
    this.name = "ProviderError";
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP date (relative to `now`); undefined when
 * absent or unreadable. Capped at one hour so a hostile or broken header cannot park a message.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  if (value == null) return undefined;
  const trimmed = String(value).trim();
  if (!trimmed) return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = at - now.getTime();
  }
  return Math.min(Math.max(0, Math.round(ms)), 60 * 60 * 1000);
}
