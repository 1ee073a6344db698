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
}
