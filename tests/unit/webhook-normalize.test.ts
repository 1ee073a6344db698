import { describe, expect, it } from "vitest";
import { normalizeResendEvent } from "@/server/providers/email/resend/webhooks";
import { normalizeTwilioStatus } from "@/server/providers/sms/twilio/webhooks";

const at = new Date("2026-12-01T12:00:00Z");
const SID = "SM0123456789abcdef0123456789abcdef";

describe("Twilio status callbacks", () => {
  it.each([
    ["queued", "queued"],
    ["accepted", "queued"],
    ["sending", "sending"],
    ["sent", "sent"],
    ["delivered", "delivered"],
    ["undelivered", "undelivered"],
    ["failed", "failed"],
  ])("%s → %s", (twilioStatus, ours) => {
    expect(normalizeTwilioStatus({ MessageSid: SID, MessageStatus: twilioStatus }, at)).toMatchObject({
      provider: "twilio",
      providerMessageId: SID,
      status: ours,
      dedupeKey: `${SID}:${twilioStatus}`,
      effect: null,
      occurredAt: at,
    });
  });

  it("keeps the error code in the detail and the dedupe key", () => {
    const event = normalizeTwilioStatus({ MessageSid: SID, MessageStatus: "undelivered", ErrorCode: "30005" }, at)!;
    expect(event).toMatchObject({
      status: "undelivered",
      dedupeKey: `${SID}:undelivered:30005`,
      detail: { errorCode: "30005" },
      effect: null,
    });
  });

  it("21610 (recipient opted out at the carrier) is a provider opt-out", () => {
    expect(normalizeTwilioStatus({ MessageSid: SID, MessageStatus: "failed", ErrorCode: "21610" }, at)).toMatchObject({
      status: "failed",
      effect: "provider_opt_out",
    });
  });

  it("an unknown status is timeline only; a callback without a sid or status is refused", () => {
    expect(normalizeTwilioStatus({ MessageSid: SID, MessageStatus: "partially_delivered" }, at)).toMatchObject({
      status: null,
      timeline: "partially_delivered",
    });
    expect(normalizeTwilioStatus({ MessageStatus: "sent" }, at)).toBeNull();
    expect(normalizeTwilioStatus({ MessageSid: SID }, at)).toBeNull();
  });
});

describe("Resend events", () => {
  const event = (type: string, data: Record<string, unknown> = {}) => ({
    type,
    created_at: "2026-12-01T11:59:00.000Z",
    data: { email_id: "em_1", ...data },
  });

  it.each([
    ["email.sent", "sent"],
    ["email.delivered", "delivered"],
    ["email.failed", "failed"],
    ["email.complained", "complained"],
  ])("%s → %s", (type, status) => {
    expect(normalizeResendEvent("msg_1", event(type), at)).toMatchObject({
      provider: "resend",
      dedupeKey: "msg_1",
      providerMessageId: "em_1",
      status,
      occurredAt: new Date("2026-12-01T11:59:00.000Z"),
    });
  });

  it("a permanent bounce is hard (suppression); a transient one only changes the status", () => {
    expect(
      normalizeResendEvent("a", event("email.bounced", { bounce: { type: "Permanent", subType: "General" } }), at),
    ).toMatchObject({
      status: "bounced",
      effect: "hard_bounce",
      detail: { bounceType: "hard" },
    });
    expect(
      normalizeResendEvent("b", event("email.bounced", { bounce: { type: "Transient", subType: "MailboxFull" } }), at),
    ).toMatchObject({
      status: "bounced",
      effect: null,
      detail: { bounceType: "soft" },
    });
  });

  it("a complaint suppresses and opts out", () => {
    expect(normalizeResendEvent("c", event("email.complained"), at)).toMatchObject({ effect: "complaint" });
  });

  it("opens, clicks and delays are timeline only; a click keeps the link without its query", () => {
    expect(normalizeResendEvent("d", event("email.opened"), at)).toMatchObject({ status: null, timeline: "opened" });
    expect(normalizeResendEvent("e", event("email.delivery_delayed"), at)).toMatchObject({
      status: null,
      timeline: "delivery_delayed",
    });
    expect(
      normalizeResendEvent(
        "f",
        event("email.clicked", { click: { link: "https://shop.example.com/sale?token=secret#x" } }),
        at,
      ),
    ).toMatchObject({
      status: null,
      timeline: "clicked",
      detail: { link: "https://shop.example.com/sale" },
    });
  });

  it("ignores events that are not about an email, and uses the receive time when the event has none", () => {
    expect(normalizeResendEvent("g", { type: "contact.created", data: { id: "c1" } }, at)).toBeNull();
    expect(normalizeResendEvent("h", { type: "email.sent", data: {} }, at)).toBeNull();
    expect(normalizeResendEvent("i", "nonsense", at)).toBeNull();
    expect(normalizeResendEvent("j", { type: "email.sent", data: { email_id: "em_2" } }, at)).toMatchObject({
      occurredAt: at,
    });
  });
});
