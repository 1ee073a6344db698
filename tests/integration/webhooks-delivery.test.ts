import { randomBytes } from "node:crypto";
import { asc, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { consentEvents, messageEvents, messages, webhookEvents, type Channel, type MessageStatus } from "@/db/schema";
import { POST as postResend } from "@/app/api/webhooks/[provider]/route";
import { POST as postTwilioStatus } from "@/app/api/webhooks/[provider]/status/route";
import { emailLookupKey } from "@/server/lib/addresses";
import { blindIndex } from "@/server/lib/crypto";
import { systemClock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { resetEnv } from "@/server/lib/env";
import { getConsentStates } from "@/server/services/consent/get-consent-states";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { upsertContact } from "@/server/services/contacts";
import { isSuppressed } from "@/server/services/suppressions/queries";
import { createTopic, ensureDefaultTopics } from "@/server/services/topics";
import { webhookDrainIdle } from "@/server/services/webhooks";
import { applyPendingWebhookEvents } from "@/server/services/webhooks/apply-pending-webhook-events";
import { createWorkspace, systemContext } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { resendWebhookRequest, TEST_SVIX_SECRET } from "@/tests/helpers/svix-signature";
import { TEST_TWILIO_AUTH_TOKEN, twilioRequest } from "@/tests/helpers/twilio-signature";

const PUBLIC_URL = "https://hooks.optin.test";
const STATUS_URL = "http://10.0.0.5:3000/api/webhooks/twilio/status";
const RESEND_URL = "http://10.0.0.5:3000/api/webhooks/resend";

let handle: DbHandle;
let workspaceId: string;
const savedEnv = {
  PUBLIC_URL: process.env.PUBLIC_URL,
  TWILIO_AUTH_TOKEN: process.env.TWILIO_AUTH_TOKEN,
  RESEND_WEBHOOK_SECRET: process.env.RESEND_WEBHOOK_SECRET,
};

let seq = 0;
const newSid = () => `SM${randomBytes(16).toString("hex")}`;
const newEmailId = () => `4ef9a417-${randomBytes(2).toString("hex")}-4c1b-9a41-${randomBytes(6).toString("hex")}`;

async function createContact(input: { email?: string; phone?: string }) {
  const { contact } = await upsertContact({ ctx: systemContext(handle.db, workspaceId), input });
  return contact.id;
}

async function optIn(contactId: string, channel: Channel, topicKey: string) {
  await recordConsentChange({
    ctx: systemContext(handle.db, workspaceId),
    input: { contactId, channel, topicKey, action: "opted_in", source: "api", evidence: { ip: "203.0.113.7" } },
  });
}

async function stateOf(contactId: string, channel: Channel, topic: string) {
  const { states } = await getConsentStates({ ctx: systemContext(handle.db, workspaceId), input: { id: contactId } });
  return states.find((s) => s.channel === channel && s.topic === topic) ?? null;
}

/** An outbound message as the send pipeline records it once the provider accepted it. */
async function createOutbound(input: {
  channel: Channel;
  providerMessageId: string | null;
  address: string;
  contactId?: string | null;
  status?: MessageStatus;
}) {
  const addressHash =
    input.channel === "email"
      ? blindIndex(workspaceId, "email", emailLookupKey(input.address))
      : blindIndex(workspaceId, "phone", input.address);
  const [row] = await handle.db
    .insert(messages)
    .values({
      workspaceId,
      contactId: input.contactId ?? null,
      direction: "outbound",
      channel: input.channel,
      topicKey: input.channel === "email" ? "newsletter" : "promotions",
      kind: "marketing",
      status: input.status ?? "sent",
      addressHash,
      transport: input.channel === "email" ? "resend" : "twilio",
      providerMessageId: input.providerMessageId,
    })
    .returning();
  return row!;
}

async function messageRow(id: string) {
  const [row] = await handle.db.select().from(messages).where(eq(messages.id, id));
  return row!;
}

async function timeline(id: string) {
  return handle.db.select().from(messageEvents).where(eq(messageEvents.messageId, id)).orderBy(asc(messageEvents.seq));
}

async function countWebhookEvents() {
  const [row] = await handle.db.select({ n: count() }).from(webhookEvents);
  return row!.n;
}

async function twilioStatus(
  sid: string,
  status: string,
  extra: Record<string, string> = {},
  options: { signedUrl?: string; signature?: string | null; tamper?: Record<string, string> } = {},
) {
  const params = {
    MessageSid: sid,
    SmsSid: sid,
    MessageStatus: status,
    SmsStatus: status,
    AccountSid: "AC0123456789abcdef0123456789abcdef",
    ...extra,
  };
  const request = twilioRequest(STATUS_URL, params, {
    signedUrl: options.signedUrl ?? `${PUBLIC_URL}/api/webhooks/twilio/status`,
    ...options,
  });
  const response = await postTwilioStatus(request);
  // The route answers once the event is stored and wakes the drain: wait for it to apply.
  await webhookDrainIdle();
  return { status: response.status, text: await response.text() };
}

function resendEvent(
  type: string,
  emailId: string,
  data: Record<string, unknown> = {},
  createdAt = new Date(Date.UTC(2026, 11, 1, 12, 0, ++seq)),
) {
  return {
    type,
    created_at: createdAt.toISOString(),
    data: {
      email_id: emailId,
      created_at: createdAt.toISOString(),
      from: "news@acme.test",
      to: ["x@example.com"],
      subject: "News",
      ...data,
    },
  };
}

async function resend(event: unknown, options: Parameters<typeof resendWebhookRequest>[2] = {}) {
  const response = await postResend(resendWebhookRequest(RESEND_URL, event, options));
  await webhookDrainIdle();
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  process.env.PUBLIC_URL = PUBLIC_URL;
  process.env.TWILIO_AUTH_TOKEN = TEST_TWILIO_AUTH_TOKEN;
  process.env.RESEND_WEBHOOK_SECRET = TEST_SVIX_SECRET;
  resetEnv();
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { name: "Acme Coffee", isDefault: "default" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, workspaceId, new Date());
  await createTopic({
    ctx: systemContext(handle.db, workspaceId),
    input: { key: "offers", name: "Offers", channels: ["email"], kind: "marketing" },
  });
});

afterAll(async () => {
  await webhookDrainIdle();
  await closeDb();
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetEnv();
});

describe("POST /api/webhooks/twilio/status", () => {
  it("a signature over another URL, a tampered body or none → 403 and nothing is stored", async () => {
    const sid = newSid();
    const message = await createOutbound({ channel: "sms", providerMessageId: sid, address: "+14155552001" });
    const before = await countWebhookEvents();
    const responses = [
      await twilioStatus(sid, "delivered", {}, { signedUrl: STATUS_URL }),
      await twilioStatus(sid, "sent", {}, { tamper: { MessageStatus: "delivered", SmsStatus: "delivered" } }),
      await twilioStatus(sid, "delivered", {}, { signature: null }),
    ];
    expect(responses.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(await countWebhookEvents()).toBe(before);
    expect((await messageRow(message.id)).status).toBe("sent");
    expect(await timeline(message.id)).toHaveLength(0);
  });

  it("delivered then a late sent keeps delivered; a duplicate callback is stored once", async () => {
    const sid = newSid();
    const message = await createOutbound({
      channel: "sms",
      providerMessageId: sid,
      address: "+14155552002",
      status: "queued",
    });
    expect((await twilioStatus(sid, "delivered")).status).toBe(200);
    expect((await twilioStatus(sid, "delivered")).status).toBe(200);
    expect((await twilioStatus(sid, "sent")).status).toBe(200);

    const row = await messageRow(message.id);
    expect(row.status).toBe("delivered");
    expect(row.deliveredAt).not.toBeNull();
    const events = await timeline(message.id);
    expect(events.map((e) => e.status)).toEqual(["delivered", "sent"]);
    expect(events[1]!.detail).toMatchObject({ applied: false, provider: "twilio" });
    const stored = await handle.db.select().from(webhookEvents).where(eq(webhookEvents.providerMessageId, sid));
    expect(stored.map((e) => e.dedupeKey).sort()).toEqual([`${sid}:delivered`, `${sid}:sent`]);
    expect(stored.every((e) => e.appliedAt !== null && e.workspaceId === workspaceId)).toBe(true);
  });

  it("undelivered keeps the carrier error code", async () => {
    const sid = newSid();
    const message = await createOutbound({ channel: "sms", providerMessageId: sid, address: "+14155552003" });
    await twilioStatus(sid, "undelivered", { ErrorCode: "30005", ErrorMessage: "Unknown destination handset" });
    const row = await messageRow(message.id);
    expect(row).toMatchObject({ status: "undelivered", reason: "30005" });
    expect(row.failedAt).not.toBeNull();
    expect((await timeline(message.id))[0]!.detail).toMatchObject({ errorCode: "30005", twilioStatus: "undelivered" });
  });

  it("error 21610 (the recipient opted out at the carrier) suppresses the number and opts it out of marketing SMS", async () => {
    const phone = "+14155552004";
    const contactId = await createContact({ phone });
    await optIn(contactId, "sms", "promotions");
    const sid = newSid();
    await createOutbound({ channel: "sms", providerMessageId: sid, address: phone, contactId });
    await twilioStatus(sid, "failed", { ErrorCode: "21610" });
    expect(await isSuppressed(handle.db, workspaceId, "sms", blindIndex(workspaceId, "phone", phone))).toBe(
      "provider_opt_out",
    );
    expect(await stateOf(contactId, "sms", "promotions")).toMatchObject({ status: "opted_out", source: "provider" });
    const [event] = await handle.db
      .select()
      .from(consentEvents)
      .where(eq(consentEvents.contactId, contactId))
      .orderBy(asc(consentEvents.seq))
      .offset(1);
    expect(event!.evidence).toMatchObject({ providerMessageId: sid });
  });

  it("callbacks for a message not recorded yet are kept and applied, in order, by applyPendingWebhookEvents", async () => {
    const sid = newSid();
    await twilioStatus(sid, "delivered");
    await twilioStatus(sid, "sent");
    const pending = await handle.db.select().from(webhookEvents).where(eq(webhookEvents.providerMessageId, sid));
    expect(pending).toHaveLength(2);
    expect(pending.every((e) => e.appliedAt === null && e.workspaceId === null)).toBe(true);

    const message = await createOutbound({
      channel: "sms",
      providerMessageId: sid,
      address: "+14155552005",
      status: "queued",
    });
    expect(
      await applyPendingWebhookEvents({
        ctx: { db: handle.db, now: systemClock },
        input: { provider: "twilio", providerMessageId: sid },
      }),
    ).toBe(2);
    expect((await messageRow(message.id)).status).toBe("delivered");
    expect(
      await applyPendingWebhookEvents({
        ctx: { db: handle.db, now: systemClock },
        input: { provider: "twilio", providerMessageId: sid },
      }),
    ).toBe(0);
    expect(await timeline(message.id)).toHaveLength(2);
    expect(
      await applyPendingWebhookEvents({
        ctx: { db: handle.db, now: systemClock },
        input: { provider: "twilio", providerMessageId: newSid() },
      }),
    ).toBe(0);
  });

  it("a callback that finds its message also applies older ones still waiting", async () => {
    const sid = newSid();
    await twilioStatus(sid, "sent");
    const message = await createOutbound({
      channel: "sms",
      providerMessageId: sid,
      address: "+14155552006",
      status: "queued",
    });
    await twilioStatus(sid, "delivered");
    expect((await messageRow(message.id)).status).toBe("delivered");
    expect((await timeline(message.id)).map((e) => e.status)).toEqual(["sent", "delivered"]);
    const stored = await handle.db.select().from(webhookEvents).where(eq(webhookEvents.providerMessageId, sid));
    expect(stored.every((e) => e.appliedAt !== null)).toBe(true);
  });
});

describe("POST /api/webhooks/resend", () => {
  it("a bad signature, a tampered body, missing headers or a stale timestamp → 401 and nothing is stored", async () => {
    const emailId = newEmailId();
    const message = await createOutbound({
      channel: "email",
      providerMessageId: emailId,
      address: "bad-sig@example.com",
    });
    const before = await countWebhookEvents();
    const event = resendEvent("email.delivered", emailId);
    const responses = [
      await resend(event, { secret: `whsec_${Buffer.alloc(24, 9).toString("base64")}` }),
      await resend(event, {
        body: JSON.stringify(resendEvent("email.bounced", emailId, { bounce: { type: "Permanent" } })),
      }),
      await resend(event, { headers: { "svix-signature": "" } }),
      await resend(event, { at: new Date(Date.now() - 10 * 60_000) }),
      await resend(event, { at: new Date(Date.now() + 10 * 60_000) }),
    ];
    expect(responses.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect(await countWebhookEvents()).toBe(before);
    expect((await messageRow(message.id)).status).toBe("sent");
  });

  it("an oversized body is refused before anything is stored", async () => {
    const before = await countWebhookEvents();
    const response = await resend(resendEvent("email.delivered", newEmailId(), { padding: "x".repeat(300_000) }));
    expect(response.status).toBe(413);
    expect(await countWebhookEvents()).toBe(before);
  });

  it("without RESEND_WEBHOOK_SECRET the endpoint answers 503", async () => {
    delete process.env.RESEND_WEBHOOK_SECRET;
    resetEnv();
    try {
      expect((await resend(resendEvent("email.delivered", newEmailId()))).status).toBe(503);
    } finally {
      process.env.RESEND_WEBHOOK_SECRET = TEST_SVIX_SECRET;
      resetEnv();
    }
  });

  it("a replayed delivery (same svix-id) is answered 200 and changes nothing", async () => {
    const emailId = newEmailId();
    const message = await createOutbound({
      channel: "email",
      providerMessageId: emailId,
      address: "replay@example.com",
    });
    const event = resendEvent("email.delivered", emailId);
    const first = await resend(event, { id: "msg_replay_1" });
    expect(first).toMatchObject({ status: 200, body: { outcome: "accepted" } });
    const before = { webhooks: await countWebhookEvents(), timeline: (await timeline(message.id)).length };
    const replay = await resend(event, { id: "msg_replay_1" });
    expect(replay).toMatchObject({ status: 200, body: { outcome: "duplicate" } });
    expect({ webhooks: await countWebhookEvents(), timeline: (await timeline(message.id)).length }).toEqual(before);
  });

  it("delivered then a late sent keeps delivered", async () => {
    const emailId = newEmailId();
    const message = await createOutbound({
      channel: "email",
      providerMessageId: emailId,
      address: "order@example.com",
      status: "queued",
    });
    await resend(resendEvent("email.delivered", emailId));
    await resend(resendEvent("email.sent", emailId));
    expect((await messageRow(message.id)).status).toBe("delivered");
    expect((await timeline(message.id)).map((e) => e.status)).toEqual(["delivered", "sent"]);
  });

  it("opens and clicks are timeline events only", async () => {
    const emailId = newEmailId();
    const message = await createOutbound({
      channel: "email",
      providerMessageId: emailId,
      address: "reader@example.com",
      status: "delivered",
    });
    await resend(resendEvent("email.opened", emailId));
    await resend(resendEvent("email.clicked", emailId, { click: { link: "https://shop.example.com/sale?ref=abc" } }));
    expect((await messageRow(message.id)).status).toBe("delivered");
    const events = await timeline(message.id);
    expect(events.map((e) => e.status)).toEqual(["opened", "clicked"]);
    expect(events[1]!.detail).toMatchObject({ link: "https://shop.example.com/sale" });
  });

  it("a hard bounce suppresses the address; a soft bounce only marks the message", async () => {
    const hardAddress = "gone@example.com";
    const hardId = newEmailId();
    const hard = await createOutbound({ channel: "email", providerMessageId: hardId, address: hardAddress });
    await resend(
      resendEvent("email.bounced", hardId, {
        bounce: { type: "Permanent", subType: "General", message: "mailbox does not exist" },
      }),
    );
    expect(await messageRow(hard.id)).toMatchObject({ status: "bounced", reason: "hard_bounce" });
    expect(await isSuppressed(handle.db, workspaceId, "email", blindIndex(workspaceId, "email", hardAddress))).toBe(
      "hard_bounce",
    );

    const softAddress = "full@example.com";
    const softId = newEmailId();
    const soft = await createOutbound({ channel: "email", providerMessageId: softId, address: softAddress });
    await resend(resendEvent("email.bounced", softId, { bounce: { type: "Transient", subType: "MailboxFull" } }));
    expect((await messageRow(soft.id)).status).toBe("bounced");
    expect(
      await isSuppressed(handle.db, workspaceId, "email", blindIndex(workspaceId, "email", softAddress)),
    ).toBeNull();
  });

  it("a complaint suppresses the address and opts the contact out of every marketing email topic", async () => {
    const email = "angry@example.com";
    const contactId = await createContact({ email, phone: "+14155552010" });
    await optIn(contactId, "email", "newsletter");
    await optIn(contactId, "email", "offers");
    await optIn(contactId, "email", "account-notices");
    await optIn(contactId, "sms", "promotions");
    const emailId = newEmailId();
    const message = await createOutbound({
      channel: "email",
      providerMessageId: emailId,
      address: email,
      contactId,
      status: "delivered",
    });

    await resend(resendEvent("email.complained", emailId));
    expect((await messageRow(message.id)).status).toBe("complained");
    expect(await isSuppressed(handle.db, workspaceId, "email", blindIndex(workspaceId, "email", email))).toBe(
      "complaint",
    );
    expect(await stateOf(contactId, "email", "newsletter")).toMatchObject({ status: "opted_out", source: "provider" });
    expect(await stateOf(contactId, "email", "offers")).toMatchObject({ status: "opted_out", source: "provider" });
    expect(await stateOf(contactId, "email", "account-notices")).toMatchObject({ status: "opted_in" });
    expect(await stateOf(contactId, "sms", "promotions")).toMatchObject({ status: "opted_in" });
  });

  it("a bounce for an email not recorded yet is applied, suppression included, when the message appears", async () => {
    const address = "early-bounce@example.com";
    const emailId = newEmailId();
    expect((await resend(resendEvent("email.bounced", emailId, { bounce: { type: "Permanent" } }))).body).toMatchObject(
      { outcome: "accepted" },
    );
    expect(await isSuppressed(handle.db, workspaceId, "email", blindIndex(workspaceId, "email", address))).toBeNull();

    const message = await createOutbound({ channel: "email", providerMessageId: emailId, address, status: "sent" });
    expect(
      await applyPendingWebhookEvents({
        ctx: { db: handle.db, now: systemClock },
        input: { provider: "resend", providerMessageId: emailId },
      }),
    ).toBe(1);
    expect((await messageRow(message.id)).status).toBe("bounced");
    expect(await isSuppressed(handle.db, workspaceId, "email", blindIndex(workspaceId, "email", address))).toBe(
      "hard_bounce",
    );
  });

  it("events of another provider with the same id are not mixed up", async () => {
    const id = newSid();
    const email = await createOutbound({ channel: "email", providerMessageId: id, address: "mixed@example.com" });
    // A Twilio callback naming the same id finds no Twilio message: kept pending, the email untouched.
    await twilioStatus(id, "delivered");
    expect((await messageRow(email.id)).status).toBe("sent");
    expect(await timeline(email.id)).toHaveLength(0);
    const [stored] = await handle.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.dedupeKey, `${id}:delivered`));
    expect(stored).toMatchObject({ provider: "twilio", appliedAt: null });
    expect(
      await applyPendingWebhookEvents({
        ctx: { db: handle.db, now: systemClock },
        input: { provider: "twilio", providerMessageId: id },
      }),
    ).toBe(0);
  });
});

describe("POST /api/webhooks/<provider>", () => {
  it("a provider nobody configured, or the log transport, answers 404 and stores nothing", async () => {
    const before = await countWebhookEvents();
    const event = resendEvent("email.delivered", newEmailId());
    expect((await postResend(resendWebhookRequest("http://10.0.0.5:3000/api/webhooks/vonage", event))).status).toBe(
      404,
    );
    expect((await postResend(resendWebhookRequest("http://10.0.0.5:3000/api/webhooks/log", event))).status).toBe(404);
    const sid = newSid();
    const status = twilioRequest(
      "http://10.0.0.5:3000/api/webhooks/log/status",
      { MessageSid: sid, MessageStatus: "delivered" },
      { signedUrl: `${PUBLIC_URL}/api/webhooks/log/status` },
    );
    expect((await postTwilioStatus(status)).status).toBe(404);
    expect(await countWebhookEvents()).toBe(before);
  });
});
