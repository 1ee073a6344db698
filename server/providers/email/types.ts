/** One interface for every email transport. No domain logic here: the caller decides and renders. */
export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  /** Passed to the provider so a retried call never sends twice. */
  idempotencyKey?: string;
}

export interface EmailSendResult {
  providerMessageId: string;
  transport: "resend" | "log";
}

export interface EmailTransport {
  readonly name: "resend" | "log";
  send(email: OutgoingEmail): Promise<EmailSendResult>;
  /**
   * Sends up to `MAX_EMAIL_BATCH` emails in one provider call, all or nothing; the results are in
   * the order of `emails`. `idempotencyKey` covers the whole call (per-email keys are ignored).
   * Optional: callers fall back to `send` one by one.
   */
  sendBatch?(emails: OutgoingEmail[], options?: { idempotencyKey?: string }): Promise<EmailSendResult[]>;
}

/** Resend's limit for `POST /emails/batch`. */
export const MAX_EMAIL_BATCH = 100;
