import { kindOfStatus, ProviderError, parseRetryAfter, type ProviderErrorKind } from "../../errors";

/** Resend error names and what they mean; any other name is read from the HTTP status. */
const KIND_OF_NAME: Record<string, ProviderErrorKind> = {
  rate_limit_exceeded: "throttled",
  daily_quota_exceeded: "throttled",
  concurrent_idempotent_requests: "throttled",
  application_error: "unavailable",
  internal_server_error: "unavailable",
};

/**
 * Classifies a Resend error answer. Retryable (`throttled`, `unavailable`): 429 and quota errors,
 * 5xx, network failures (no status), a concurrent request with the same idempotency key, and
 * 401/403 (the account is misconfigured, not the message: a fixed key within the retry window
 * still delivers it). `rejected`: every other 4xx (validation errors, a bad sender or recipient,
 * an idempotency key reused with another body). `Retry-After` is honoured when present.
 */
export function classifyResendError(
  error: { name?: string | null; statusCode?: number | null } | null | undefined,
  headers: Record<string, string> | null | undefined,
  now: Date = new Date(),
): ProviderError {
  const name = error?.name ?? "unknown_error";
  const status = typeof error?.statusCode === "number" ? error.statusCode : undefined;
  const kind: ProviderErrorKind =
    KIND_OF_NAME[name] ?? (status === 401 || status === 403 ? "unavailable" : kindOfStatus(status));
  const retryAfterMs = parseRetryAfter(headers?.["retry-after"], now);
  return new ProviderError(`Resend refused the email: ${name}`, kind, { providerCode: name, retryAfterMs, status });
}
