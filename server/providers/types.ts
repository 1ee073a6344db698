/**
 * The provider-neutral contract between `server/providers/` and the services: what a webhook
 * request looks like to a provider, and what a provider turns it into. Nothing here names a
 * vendor; every provider folder (`email/resend`, `sms/twilio`, …) implements it.
 */

/** The statuses a provider may report for a message we sent (a subset of ours). */
export type DeliveryStatus =
  "queued" | "sending" | "sent" | "delivered" | "undelivered" | "failed" | "bounced" | "complained";

/** What an event does beyond the message status (applied once, when the event is applied). */
export type DeliveryEffect = "hard_bounce" | "complaint" | "provider_opt_out";

/**
 * A provider event about a message we sent, reduced to what the services apply. Carries no
 * address and no body: it is stored as is and may be applied later (before the send pipeline
 * recorded the provider id).
 */
export interface DeliveryEvent {
  /** The provider's name (`EmailTransport.name` / `SmsTransport.name`): messages are found by it and the id. */
  provider: string;
  /** Unique per provider: a redelivery of the same event has the same key. */
  dedupeKey: string;
  /** The provider's own event type (for the timeline and the record). */
  type: string;
  providerMessageId: string;
  occurredAt: Date;
  /** Our status to move the message to; null = timeline only (opened, clicked, delayed). */
  status: DeliveryStatus | null;
  /** What the message timeline shows for this event (e.g. `delivered`, `opened`). */
  timeline: string;
  effect: DeliveryEffect | null;
  /** Provider detail for the timeline: error codes, bounce type, link host… never addresses or bodies. */
  detail: Record<string, unknown>;
}

/** A text someone sent to one of our numbers, as the provider reported it. */
export interface InboundMessage {
  provider: string;
  /** The provider's id of the inbound message (unique per provider). */
  providerMessageId: string;
  /** The sender as the provider gave it (E.164, short code or alphanumeric). */
  from: string;
  /** The number it was sent to. */
  to: string;
  body: string;
}

/**
 * A webhook call as a provider sees it. The route handler builds it from the HTTP request; the
 * provider decides how much body it accepts, how the call is authenticated and what it means.
 */
export interface WebhookRequest {
  /** Path and query the provider called. Signatures are checked over the configured public URL plus this, never the Host header. */
  pathWithQuery: string;
  headers: Headers;
  /** The raw body, read once (later calls answer the same); null when it is larger than `maxBytes`. */
  readBody(maxBytes: number): Promise<string | null>;
  /** When we received it: the clock for timestamp tolerances and events without a time of their own. */
  receivedAt: Date;
}

/** The HTTP answer a provider expects (TwiML, JSON, plain text…), built by the provider. */
export interface WebhookResponse {
  status: number;
  contentType: string;
  body: string;
}

/** A verified call, or the refusal to answer (bad signature, not configured, too large). Nothing is stored on a refusal. */
export type WebhookVerification = { ok: true } | { ok: false; response: WebhookResponse };

/** What a verified call holds: items (possibly none: an event about something else), or the answer for a malformed call. */
export type ParsedWebhook<T> = { ok: true; items: T[] } | { ok: false; response: WebhookResponse };

/**
 * How one delivery event was taken: `accepted` (stored, applied in the background by the webhook
 * drain) or `duplicate` (a redelivery of an event already stored: nothing changes).
 */
export type EventOutcome = "accepted" | "duplicate";

/**
 * The webhook half of every transport. The service verifies first and parses only a verified
 * call; both may read the body (it is read once). Providers without webhooks refuse every call.
 */
export interface WebhookReceiver {
  verifyWebhook(request: WebhookRequest): Promise<WebhookVerification>;
  /** Delivery events (status callbacks, bounces, complaints, opens…) in a verified call. */
  parseEvents(request: WebhookRequest): Promise<ParsedWebhook<DeliveryEvent>>;
  /** The answer once the events were stored (`outcomes` in the order of `parseEvents`). */
  eventsResponse(outcomes: EventOutcome[]): WebhookResponse;
}

export function webhookResponse(status: number, contentType: string, body: string): WebhookResponse {
  return { status, contentType, body };
}

export const jsonResponse = (status: number, body: Record<string, unknown>): WebhookResponse =>
  webhookResponse(status, "application/json", JSON.stringify(body));

export const plainResponse = (status: number, text: string): WebhookResponse =>
  webhookResponse(status, "text/plain; charset=utf-8", `${text}\n`);

/** The webhook half of a transport that has no webhooks (the log transports): every call is refused. */
export function noWebhooks(): WebhookReceiver {
  const refused = plainResponse(404, "Not found");
  return {
    async verifyWebhook() {
      return { ok: false, response: refused };
    },
    async parseEvents() {
      return { ok: false, response: refused };
    },
    eventsResponse() {
      return refused;
    },
  };
}
