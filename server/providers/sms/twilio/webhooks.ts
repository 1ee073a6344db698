import {
  plainResponse,
  webhookResponse,
  type DeliveryEvent,
  type DeliveryStatus,
  type EventOutcome,
  type InboundMessage,
  type ParsedWebhook,
  type WebhookRequest,
  type WebhookResponse,
  type WebhookVerification,
} from "../../types";
import type { SmsTransport } from "../types";
import { TWILIO_UNSUBSCRIBED_CODE } from "./errors";
import { isValidTwilioRequest, parseTwilioForm } from "./signature";

/** Twilio's MessageStatus → ours. `read` (WhatsApp/RCS) is a delivered message that was also read. */
const TWILIO_STATUS: Record<string, DeliveryStatus> = {
  accepted: "queued",
  scheduled: "queued",
  queued: "queued",
  sending: "sending",
  sent: "sent",
  delivered: "delivered",
  read: "delivered",
  undelivered: "undelivered",
  failed: "failed",
  canceled: "failed",
};

/** The recipient opted out at the carrier / Twilio level (replied STOP to Twilio's number). */
export const TWILIO_OPTED_OUT_ERROR = String(TWILIO_UNSUBSCRIBED_CODE);

/**
 * A Twilio status callback as a delivery event. Dedupe key = MessageSid:MessageStatus(:ErrorCode):
 * Twilio retries and duplicate callbacks of one transition collapse into one stored event, while
 * each transition of the message is kept. Twilio sends no event time, so the receive time is used.
 * Null when the callback names no message.
 */
export function normalizeTwilioStatus(params: Record<string, string>, receivedAt: Date): DeliveryEvent | null {
  const sid = (params.MessageSid ?? params.SmsSid ?? "").trim();
  const rawStatus = (params.MessageStatus ?? params.SmsStatus ?? "").trim().toLowerCase();
  if (!/^[A-Za-z0-9]{2,64}$/.test(sid) || !/^[a-z_]{1,32}$/.test(rawStatus)) return null;
  const errorCode = (params.ErrorCode ?? "").trim();
  const status = TWILIO_STATUS[rawStatus] ?? null;
  const detail: Record<string, unknown> = { twilioStatus: rawStatus };
  if (errorCode && errorCode !== "0") detail.errorCode = errorCode;
  if (params.ErrorMessage) detail.errorMessage = params.ErrorMessage.slice(0, 200);
  const isOptedOut = errorCode === TWILIO_OPTED_OUT_ERROR && (status === "failed" || status === "undelivered");
  return {
    provider: "twilio",
    dedupeKey: [sid, rawStatus, ...(detail.errorCode ? [errorCode] : [])].join(":"),
    type: rawStatus,
    providerMessageId: sid,
    occurredAt: receivedAt,
    status,
    timeline: status ?? rawStatus,
    effect: isOptedOut ? "provider_opt_out" : null,
    detail,
  };
}

/** The fields of Twilio's inbound-message webhook we use, passed on unchanged (validated by the service). */
export function inboundFromTwilio(params: Record<string, string>): InboundMessage {
  return {
    provider: "twilio",
    providerMessageId: params.MessageSid ?? params.SmsSid ?? "",
    from: params.From ?? "",
    to: params.To ?? "",
    body: params.Body ?? "",
  };
}

/** TwiML answer: Twilio delivers `<Message>` as the reply; an empty `<Response/>` sends nothing. */
export function twimlResponse(reply: string | null): string {
  if (!reply) return `<?xml version="1.0" encoding="UTF-8"?><Response/>`;
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${escapeXml(reply)}</Message></Response>`;
}

export function escapeXml(text: string): string {
  return (
    text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&apos;")
      // Characters XML 1.0 cannot carry at all.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
  );
}

/** Twilio's webhook bodies are a few kilobytes (an SMS is at most 1,600 characters). */
export const MAX_TWILIO_BODY_BYTES = 64 * 1024;

const twiml = (reply: string | null): WebhookResponse =>
  webhookResponse(200, "text/xml; charset=utf-8", twimlResponse(reply));

export interface TwilioWebhookConfig {
  /** The signature key; without it every call is refused (we cannot tell Twilio from anyone else). */
  authToken?: string;
  /** The public address Twilio calls (PUBLIC_URL): signatures are computed over it plus the path. */
  publicUrl: string;
}

/**
 * Twilio's webhooks: status callbacks (`/api/webhooks/twilio/status`) and inbound messages
 * (`/api/webhooks/twilio/inbound`). A call is genuine when it is form-encoded, at most 64 KB, and
 * its `X-Twilio-Signature` is Twilio's HMAC over `publicUrl` + path and query + the sorted form
 * parameters with the auth token; anything else (or no auth token) → 403 and nothing is stored.
 * A status callback naming no message → 400. Answers are TwiML.
 */
export function createTwilioWebhooks(
  config: TwilioWebhookConfig,
): Pick<SmsTransport, "verifyWebhook" | "parseEvents" | "eventsResponse" | "parseInbound" | "inboundResponse"> {
  const forbidden: WebhookVerification = { ok: false, response: plainResponse(403, "Forbidden") };
  const params = async (request: WebhookRequest) =>
    parseTwilioForm((await request.readBody(MAX_TWILIO_BODY_BYTES)) ?? "");
  return {
    async verifyWebhook(request: WebhookRequest): Promise<WebhookVerification> {
      const type = request.headers.get("content-type") ?? "";
      if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) return forbidden;
      const body = await request.readBody(MAX_TWILIO_BODY_BYTES);
      if (body === null) return forbidden;
      const isValid = isValidTwilioRequest({
        authToken: config.authToken,
        signature: request.headers.get("x-twilio-signature"),
        publicUrl: config.publicUrl,
        pathWithQuery: request.pathWithQuery,
        params: parseTwilioForm(body),
      });
      return isValid ? { ok: true } : forbidden;
    },
    async parseEvents(request: WebhookRequest): Promise<ParsedWebhook<DeliveryEvent>> {
      const event = normalizeTwilioStatus(await params(request), request.receivedAt);
      return event ? { ok: true, items: [event] } : { ok: false, response: plainResponse(400, "Bad request") };
    },
    eventsResponse(_outcomes: EventOutcome[]) {
      return twiml(null);
    },
    async parseInbound(request: WebhookRequest): Promise<ParsedWebhook<InboundMessage>> {
      return { ok: true, items: [inboundFromTwilio(await params(request))] };
    },
    inboundResponse(reply: string | null) {
      return twiml(reply);
    },
  };
}
