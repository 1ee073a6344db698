import type { WebhookReceiver } from "../types";

/** One interface for every email transport. No domain logic here: the caller decides and renders. */
export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers: List-Unsubscribe and List-Unsubscribe-Post, and Reply-To when the workspace set one. */
  headers?: Record<string, string>;
  /** Passed to the provider so a retried call never sends twice. */
  idempotencyKey?: string;
  /**
   * Files sent with the email (a campaign's attachments, read when the call is built: never
   * stored per message). Emails with attachments are sent one by one (`send`), never in a batch.
   */
  attachments?: EmailAttachment[];
}

export interface EmailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface EmailSendResult {
  providerMessageId: string;
  /** The transport's `name`. */
  transport: string;
}

/**
 * An email provider: sending, and the webhooks it calls us with (delivery events). Errors are
 * `ProviderError`s with a `kind` (see `../errors.ts`).
 */
export interface EmailTransport extends WebhookReceiver {
  /** The provider's name: recorded as the message's transport, and the URL segment of its webhooks (`/api/webhooks/<name>`). */
  readonly name: string;
  /** Whether the provider reports delivery events by webhook (the log transport does not), so events may wait for a message. */
  readonly reportsEvents: boolean;
  send(email: OutgoingEmail): Promise<EmailSendResult>;
  /**
   * Sends up to `MAX_EMAIL_BATCH` emails in one provider call, all or nothing; the results are in
   * the order of `emails`. `idempotencyKey` covers the whole call (per-email keys are ignored).
   * Optional: callers fall back to `send` one by one.
   */
  sendBatch?(emails: OutgoingEmail[], options?: { idempotencyKey?: string }): Promise<EmailSendResult[]>;
}

/** The most emails one `sendBatch` call takes (Resend's limit for `POST /emails/batch`). */
export const MAX_EMAIL_BATCH = 100;
