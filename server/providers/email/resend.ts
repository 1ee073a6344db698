import { Resend } from "resend";
import { ProviderError, parseRetryAfter } from "../errors";
import { MAX_EMAIL_BATCH, type EmailSendResult, type EmailTransport, type OutgoingEmail } from "./types";

export { ProviderError } from "../errors";

/** Error names that mean "try again later" whatever the status says. */
const RETRYABLE_NAMES = new Set([
  "rate_limit_exceeded",
  "daily_quota_exceeded",
  "application_error",
  "internal_server_error",
  "concurrent_idempotent_requests",
]);

/**
 * Classifies a Resend error answer. Retryable: 429 and quota errors, 5xx, network failures (no
 * status), a concurrent request with the same idempotency key, and 401/403 (the account is
 * misconfigured, not the message: a fixed key within the retry window still delivers it). Final:
 * every other 4xx (validation errors, a bad sender or recipient, an idempotency key reused with
 * another body). `Retry-After` is honoured when present.
 */
export function classifyResendError(
  error: { name?: string | null; statusCode?: number | null } | null | undefined,
  headers: Record<string, string> | null | undefined,
  now: Date = new Date(),
): ProviderError {
  const name = error?.name ?? "unknown_error";
  const status = typeof error?.statusCode === "number" ? error.statusCode : undefined;
  const retryable =
    RETRYABLE_NAMES.has(name) || status === undefined || status === 429 || status >= 500 || status === 401 || status === 403;
  const retryAfterMs = parseRetryAfter(headers?.["retry-after"], now);
  return new ProviderError(`Resend refused the email: ${name}`, retryable, name, { retryAfterMs, status });
}

function toApiEmail(email: OutgoingEmail) {
  return {
    from: email.from,
    to: [email.to],
    subject: email.subject,
    text: email.text,
    ...(email.html ? { html: email.html } : {}),
    ...(email.headers && Object.keys(email.headers).length > 0 ? { headers: email.headers } : {}),
  };
}

/**
 * Resend over its SDK; `RESEND_BASE_URL` is honoured by the SDK itself. Headers (List-Unsubscribe,
 * List-Unsubscribe-Post) are passed through as given; the idempotency key goes in Resend's
 * `Idempotency-Key` header so a retried call never sends twice.
 */
export function createResendTransport(apiKey: string): EmailTransport {
  const resend = new Resend(apiKey);
  return {
    name: "resend",
    async send(email: OutgoingEmail): Promise<EmailSendResult> {
      const { data, error, headers } = await resend.emails.send(
        toApiEmail(email),
        email.idempotencyKey ? { idempotencyKey: email.idempotencyKey } : undefined,
      );
      if (error || !data) throw classifyResendError(error, headers);
      return { providerMessageId: data.id, transport: "resend" };
    },
    async sendBatch(emails: OutgoingEmail[], options: { idempotencyKey?: string } = {}): Promise<EmailSendResult[]> {
      if (emails.length === 0) return [];
      if (emails.length > MAX_EMAIL_BATCH) throw new RangeError(`A Resend batch holds at most ${MAX_EMAIL_BATCH} emails`);
      const { data, error, headers } = await resend.batch.send(
        emails.map(toApiEmail),
        options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : undefined,
      );
      if (error || !data) throw classifyResendError(error, headers);
      const ids = data.data ?? [];
      if (ids.length !== emails.length) {
        // Resend answered something other than one id per email: the outcome is unknown, so the
        // caller retries with the same idempotency key (Resend then answers the first response).
        throw new ProviderError("Resend answered a batch with a different number of ids", true, "batch_mismatch");
      }
      return ids.map((item) => ({ providerMessageId: item.id, transport: "resend" as const }));
    },
  };
}
