/**
 * What a provider's refusal means, whatever the provider. Each adapter maps its own codes and
 * HTTP statuses to one of these; everything above `server/providers/` reads only the kind (and
 * `retryable`, `retryAfterMs`), never a vendor code.
 *
 * - `recipient_opted_out`: the recipient opted out at the provider or carrier (e.g. replied STOP
 *   to the sender there). Final; the pipeline suppresses the address and records an opt-out.
 * - `invalid_recipient`: the address cannot receive this channel (not a number, not a mobile,
 *   unreachable). Final.
 * - `throttled`: rate limit, quota or a concurrent call with the same idempotency key. Retried,
 *   after `retryAfterMs` when the provider said.
 * - `unavailable`: no answer (network, timeout), a provider-side error (5xx), or an account
 *   problem (credentials) that a fixed configuration solves. Retried.
 * - `rejected`: the provider refused this message for any other reason (validation, content, an
 *   idempotency key reused with another body). Final.
 */
export const PROVIDER_ERROR_KINDS = [
  "recipient_opted_out",
  "invalid_recipient",
  "throttled",
  "unavailable",
  "rejected",
] as const;
export type ProviderErrorKind = (typeof PROVIDER_ERROR_KINDS)[number];

const RETRYABLE_KINDS: ReadonlySet<ProviderErrorKind> = new Set(["throttled", "unavailable"]);

export function isRetryableKind(kind: ProviderErrorKind): boolean {
  return RETRYABLE_KINDS.has(kind);
}

/**
 * A provider refused or could not take a message. `kind` is the adapter's classification and
 * decides `retryable`; `providerCode` keeps the vendor's own code for the record (message reason,
 * timeline detail), never for decisions; `retryAfterMs` carries the provider's `Retry-After`.
 */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly retryable: boolean;
  /** The vendor's code (e.g. an error name or number), for the record only. */
  readonly providerCode?: string;
  readonly retryAfterMs?: number;
  /** HTTP status of the provider's answer; undefined for network errors and timeouts. */
  readonly status?: number;

  constructor(
    message: string,
    kind: ProviderErrorKind,
    options: { providerCode?: string; retryAfterMs?: number; status?: number } = {},
  ) {
    super(message);
    this.name = "ProviderError";
    this.kind = kind;
    this.retryable = isRetryableKind(kind);
    this.providerCode = options.providerCode;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/** The kind an HTTP status means when the provider's body says nothing more specific. */
export function kindOfStatus(status: number | undefined): ProviderErrorKind {
  if (status === undefined || status >= 500) return "unavailable";
  if (status === 429) return "throttled";
  return "rejected";
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
