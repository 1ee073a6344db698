import { kindOfStatus, ProviderError, parseRetryAfter, type ProviderErrorKind } from "../../errors";

/** The recipient replied STOP to our sender at Twilio: Twilio refuses every message to them from it. */
export const TWILIO_UNSUBSCRIBED_CODE = 21610;

/**
 * Twilio error codes and what they mean; any other code is read from the HTTP status (429 →
 * throttled, 5xx or no answer → unavailable, other 4xx → rejected).
 */
const KIND_OF_CODE: ReadonlyMap<number, ProviderErrorKind> = new Map([
  [TWILIO_UNSUBSCRIBED_CODE, "recipient_opted_out"],
  // Not a valid number, not a mobile number, unreachable or not a valid destination.
  [21211, "invalid_recipient"],
  [21614, "invalid_recipient"],
  [21612, "invalid_recipient"],
  [21217, "invalid_recipient"],
  [21401, "invalid_recipient"],
  // Region not enabled for the account; To and From are the same number.
  [21408, "rejected"],
  [21266, "rejected"],
  // Rate limit and queue overflow.
  [20429, "throttled"],
  [30001, "throttled"],
  // Twilio-side failures, and authentication / account state (fixed by configuration).
  [20500, "unavailable"],
  [20503, "unavailable"],
  [20003, "unavailable"],
  [20005, "unavailable"],
] as const);

/**
 * Classifies a failed Twilio call: by Twilio's error code when it gave one we know, else by the
 * HTTP status (no answer at all: network error or timeout → unavailable). The code is kept on the
 * error as `providerCode` for the record.
 */
export function classifyTwilioError(error: unknown, retryAfter?: string, now: Date = new Date()): ProviderError {
  const status = (error as { status?: number }).status;
  const rawCode = (error as { code?: number | string }).code;
  const code =
    typeof rawCode === "number"
      ? rawCode
      : typeof rawCode === "string" && /^\d+$/.test(rawCode)
        ? Number(rawCode)
        : undefined;
  const kind = (code !== undefined ? KIND_OF_CODE.get(code) : undefined) ?? kindOfStatus(status);
  return new ProviderError(`Twilio refused the SMS${code ? `: ${code}` : status ? ` (HTTP ${status})` : ""}`, kind, {
    providerCode: code === undefined ? undefined : String(code),
    retryAfterMs: parseRetryAfter(retryAfter, now),
    status,
  });
}
