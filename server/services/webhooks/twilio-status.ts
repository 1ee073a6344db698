import type { MessageStatus } from "@/db/schema";
import type { NormalizedDeliveryEvent } from "./delivery-event";

/** Twilio's MessageStatus → ours. `read` (WhatsApp/RCS) is a delivered message that was also read. */
const TWILIO_STATUS: Record<string, MessageStatus> = {
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
export const TWILIO_OPTED_OUT_ERROR = "21610";

/**
 * A Twilio status callback as a delivery event. Dedupe key = MessageSid:MessageStatus(:ErrorCode):
 * Twilio retries and duplicate callbacks of one transition collapse into one stored event, while
 * each transition of the message is kept. Twilio sends no event time, so the receive time is used.
 * Null when the callback names no message.
 */
export function normalizeTwilioStatus(params: Record<string, string>, receivedAt: Date): NormalizedDeliveryEvent | null {
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
