/** One interface for every SMS transport. No domain logic here: the caller decides and renders. */
export interface OutgoingSms {
  /** E.164 number or Messaging Service SID (MG…); defaults to `TWILIO_FROM`. */
  from?: string;
  /** E.164 recipient. */
  to: string;
  body: string;
  /** Where the provider posts delivery status (`/api/webhooks/twilio/status`). */
  statusCallback?: string;
  /** Passed to the provider so a retried call never sends twice. */
  idempotencyKey?: string;
}

export interface SmsSendResult {
  providerMessageId: string;
  transport: "twilio" | "log";
  /** Segments billed (provider's count when it reports one, otherwise ours). */
  segments: number;
}

export interface SmsTransport {
  readonly name: "twilio" | "log";
  send(sms: OutgoingSms): Promise<SmsSendResult>;
}
