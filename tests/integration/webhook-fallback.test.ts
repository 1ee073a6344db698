import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { messages } from "@/db/schema";
import { POST as postDeliveryEvents } from "@/app/api/webhooks/[provider]/route";
import { POST as postStatus } from "@/app/api/webhooks/[provider]/status/route";
import type { SmsTransport } from "@/server/providers/sms/types";
import { webhookDrainIdle } from "@/server/services/webhooks";
import { buildOutbox, installOutbox } from "@/server/wiring";
import { rest } from "@/tests/helpers/http";
import { resendWebhookRequest, TEST_SVIX_SECRET } from "@/tests/helpers/svix-signature";
import { twilioRequest } from "@/tests/helpers/twilio-signature";
import { startSendHarness, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

/**
 * docs/api.md: `fallback: true` tries the other channel when the message is blocked or fails for
 * good. A failure may be learned only after the hand-over, from the provider's webhook
 * (`undelivered`, `bounced` after `sent`): it goes through the same final-failure handling as a
 * final provider error, once per message.
 */
let h: SendHarness;
const TWILIO_AUTH_TOKEN = "twilio-test-token";
const STATUS_URL = "http://localhost:3000/api/webhooks/twilio/status";
const RESEND_URL = "http://localhost:3000/api/webhooks/resend";

beforeAll(async () => {
  process.env.RESEND_WEBHOOK_SECRET = TEST_SVIX_SECRET;
  h = await startSendHarness();
});
afterAll(async () => {
  await webhookDrainIdle();
  await h.close();
  delete process.env.RESEND_WEBHOOK_SECRET;
});
beforeEach(async () => {
  await h.settle();
  installOutbox(h.outbox);
  h.resend.reset();
  h.twilio.reset();
});

async function twilioStatus(sid: string, status: string, errorCode?: string) {
  const params = {
    MessageSid: sid,
    SmsSid: sid,
    MessageStatus: status,
    SmsStatus: status,
    AccountSid: "AC0123456789abcdef0123456789abcdef",
    ...(errorCode ? { ErrorCode: errorCode } : {}),
  };
  const response = await postStatus(twilioRequest(STATUS_URL, params, { authToken: TWILIO_AUTH_TOKEN }));
  // Answered once stored; the drain the route woke applies it (and hands a failure to the fallback).
  await webhookDrainIdle();
  return response.status;
}

async function resendEvent(type: string, emailId: string, data: Record<string, unknown> = {}) {
  const at = new Date().toISOString();
  const response = await postDeliveryEvents(
    resendWebhookRequest(RESEND_URL, { type, created_at: at, data: { email_id: emailId, created_at: at, ...data } }),
  );
  await webhookDrainIdle();
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A contact opted in to `news` on both channels. */
async function reachableContact() {
  const email = uniqueEmail();
  const phone = uniquePhone();
  const contactId = await h.contact({ email, phone });
  await h.optIn(contactId, "email", "news");
  await h.optIn(contactId, "sms", "news");
  return { contactId, email, phone };
}

const send = (body: Record<string, unknown>) => rest("POST", "/messages/send_with_consent", { key: h.key, body });
const fallbacksOf = (messageId: string) =>
  h.handle.db.select().from(messages).where(eq(messages.parentMessageId, messageId));

describe("a failure reported by a webhook after the hand-over", () => {
  it("an SMS reported undelivered falls back to email once, however often and however it is reported", async () => {
    const { contactId, email } = await reachableContact();
    const res = await send({
      contactId,
      channel: "sms",
      topic: "news",
      content: { subject: "Your order", text: "It shipped" },
      fallback: true,
    });
    expect(res.body.status).toBe("queued");
    await h.settle();
    const sent = await h.message(res.body.messageId);
    expect(sent).toMatchObject({ status: "sent", transport: "twilio" });
    expect(h.resend.sent).toHaveLength(0);

    expect(await twilioStatus(sent.providerMessageId!, "undelivered", "30005")).toBe(200);
    expect(await h.message(sent.id)).toMatchObject({ status: "undelivered", reason: "30005" });
    const [fallback] = await fallbacksOf(sent.id);
    expect(fallback).toMatchObject({
      channel: "email",
      relation: "fallback",
      contactId,
      topicKey: "news",
      idempotencyKey: `~fallback:${sent.id}`,
    });
    await h.settle();
    expect(await h.message(fallback!.id)).toMatchObject({ status: "sent", transport: "resend" });
    expect(h.resend.sent).toHaveLength(1);
    expect(h.resend.sent[0]!.body.to).toEqual([email]);

    // The same callback again, and a later `failed` for the same message: still one fallback.
    expect(await twilioStatus(sent.providerMessageId!, "undelivered", "30005")).toBe(200);
    expect(await twilioStatus(sent.providerMessageId!, "failed", "30008")).toBe(200);
    await h.settle();
    expect(await fallbacksOf(sent.id)).toHaveLength(1);
    expect(h.resend.sent).toHaveLength(1);
  });

  it("an email that bounces after it was sent falls back to SMS", async () => {
    const { contactId, phone } = await reachableContact();
    const res = await send({
      contactId,
      channel: "email",
      topic: "news",
      content: { subject: "Welcome", text: "Hello" },
      fallback: true,
    });
    await h.settle();
    const sent = await h.message(res.body.messageId);
    expect(sent).toMatchObject({ status: "sent", transport: "resend" });

    expect(await resendEvent("email.delivered", sent.providerMessageId!)).toMatchObject({
      status: 200,
      body: { outcome: "accepted" },
    });
    expect(await fallbacksOf(sent.id)).toHaveLength(0);
    expect(
      await resendEvent("email.bounced", sent.providerMessageId!, {
        bounce: { type: "Permanent", subType: "General" },
      }),
    ).toMatchObject({ status: 200 });
    expect(await h.message(sent.id)).toMatchObject({ status: "bounced" });
    const [fallback] = await fallbacksOf(sent.id);
    expect(fallback).toMatchObject({ channel: "sms", relation: "fallback" });
    await h.settle();
    expect(await h.message(fallback!.id)).toMatchObject({ status: "sent", transport: "twilio" });
    expect(h.twilio.sent.map((m) => m.form.To)).toEqual([phone]);
  });

  it("a message that did not ask for a fallback gets none", async () => {
    const { contactId } = await reachableContact();
    const res = await send({
      contactId,
      channel: "sms",
      topic: "news",
      content: { subject: "s", text: "No fallback" },
    });
    await h.settle();
    const sent = await h.message(res.body.messageId);
    await twilioStatus(sent.providerMessageId!, "undelivered", "30003");
    expect(await h.message(sent.id)).toMatchObject({ status: "undelivered" });
    expect(await fallbacksOf(sent.id)).toHaveLength(0);
    const [{ n }] = (await h.handle.db
      .select({ n: count() })
      .from(messages)
      .where(eq(messages.contactId, contactId))) as [{ n: number }];
    expect(n).toBe(1);
  });

  it("a failure reported before the provider id was recorded falls back once the delivery records it", async () => {
    const real = h.outbox.transports.sms;
    // The provider's callback overtakes its own answer: the webhook arrives while the send is in flight.
    const racing: SmsTransport = {
      ...real,
      async send(sms) {
        const result = await real.send(sms);
        expect(await twilioStatus(result.providerMessageId, "undelivered", "30006")).toBe(200);
        return result;
      },
    };
    const outbox = buildOutbox({ transports: { ...h.outbox.transports, sms: racing } });
    installOutbox(outbox);
    const { contactId } = await reachableContact();
    const res = await send({
      contactId,
      channel: "sms",
      topic: "news",
      content: { subject: "Race", text: "Overtaken" },
      fallback: true,
    });
    await outbox.idle();

    const row = await h.message(res.body.messageId);
    expect(row).toMatchObject({ status: "undelivered", reason: "30006" });
    const [fallback] = await fallbacksOf(row.id);
    expect(fallback).toMatchObject({ channel: "email", relation: "fallback" });
    expect(await h.message(fallback!.id)).toMatchObject({ status: "sent" });
    expect(h.resend.sent).toHaveLength(1);
  });
});
