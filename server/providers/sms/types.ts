import type { InboundMessage, ParsedWebhook, WebhookReceiver, WebhookRequest, WebhookResponse } from "../types";

/** One interface for every SMS transport. No domain logic here: the caller decides and renders. */
export interface OutgoingSms {
  /** The sender (a number, or a provider-side sender id); defaults to the transport's configured sender. */
  from?: string;
  /** E.164 recipient. */
  to: string;
  body: string;
  /** Where the provider posts delivery status; defaults to the transport's own status webhook. */
  statusCallback?: string;
  /** Passed to the provider so a retried call never sends twice. */
  idempotencyKey?: string;
}

export interface SmsSendResult {
  providerMessageId: string;
  /** The transport's `name`. */
  transport: string;
  /** Segments billed (provider's count when it reports one, otherwise ours). */
  segments: number;
}

/**
 * An SMS provider: sending, its delivery-status webhooks, and the inbound-message webhook (texts
 * sent to our numbers, STOP/START included). Errors are `ProviderError`s with a `kind`.
 */
export interface SmsTransport extends WebhookReceiver {
  /** The provider's name: recorded as the message's transport, and the URL segment of its webhooks (`/api/webhooks/<name>/…`). */
  readonly name: string;
  /** Whether the provider reports delivery events by webhook (the log transport does not). */
  readonly reportsEvents: boolean;
  send(sms: OutgoingSms): Promise<SmsSendResult>;
  /** The inbound texts of a verified call. */
  parseInbound(request: WebhookRequest): Promise<ParsedWebhook<InboundMessage>>;
  /** The answer to an inbound call: the reply to text back (or none), in the provider's format. */
  inboundResponse(reply: string | null): WebhookResponse;
}
