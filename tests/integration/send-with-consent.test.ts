import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { consentEvents, contacts, messages, suppressions, topics } from "@/db/schema";
import { createApiKeyFor, createWorkspace } from "@/tests/factories";
import { suppressAddress } from "@/server/services/suppressions/suppress-address";
import { blindIndex } from "@/server/lib/crypto";
import { sweepDueMessages } from "@/server/services/messages/sweep-due-messages";
import { rest } from "@/tests/helpers/http";
import { POSTAL, startSendHarness, TWILIO_FROM, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.settle();
  h.resend.reset();
  h.twilio.reset();
});

const send = (body: Record<string, unknown>, headers: Record<string, string> = {}, key = h.key) =>
  rest("POST", "/messages/send_with_consent", { key, body, headers });

/** Twilio calls that carried this message id as their idempotency token (one per provider call). */
const twilioCallsFor = (messageId: string) => h.twilio.requests.filter((r) => r.idempotencyToken === messageId);
const resendCallsFor = (messageId: string) =>
  h.resend.requests.filter((r) => r.headers["idempotency-key"] === messageId);

describe("send_with_consent: delivery through the real SDKs", () => {
  it("a marketing email to an opted-in contact is queued, then sent with List-Unsubscribe headers, text and html", async () => {
    const email = uniqueEmail();
    const contactId = await h.contact({ email });
    await h.optIn(contactId, "email", "news");

    const res = await send({
      contactId,
      channel: "email",
      topic: "news",
      content: {
        subject: "Spring sale",
        text: "Hello {{ contact.first_name | default: 'friend' }}",
        html: "<p>Hello</p>",
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ messageId: expect.any(String), status: "queued" });
    await h.settle();

    expect(h.resend.sent).toHaveLength(1);
    const sent = h.resend.sent[0]!;
    expect(sent.path).toBe("/emails");
    expect(sent.headers["idempotency-key"]).toBe(res.body.messageId);
    expect(sent.body.to).toEqual([email]);
    expect(sent.body.from).toBe("Test Sender <news@example.com>");
    expect(sent.body.subject).toBe("Spring sale");
    expect(sent.body.text).toContain("Hello friend");
    expect(sent.body.html).toContain(POSTAL);
    expect(sent.body.headers["List-Unsubscribe"]).toMatch(/^<http:\/\/localhost:3000\/u\/[A-Za-z0-9_-]+>$/);
    expect(sent.body.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");

    const row = await h.message(res.body.messageId);
    expect(row).toMatchObject({
      status: "sent",
      transport: "resend",
      providerMessageId: sent.ids[0],
      contactId,
      topicKey: "news",
      kind: "marketing",
      attempts: 1,
    });
    expect(row.decision).toMatchObject({ outcome: "send", consent: { status: "opted_in", source: "api" } });
    expect(row.consentEventId).toBe(row.decision!.consent!.eventId);
    expect(row.policyVersion).toBeTruthy();
    // Content is stored encrypted, never in clear.
    expect(row.textCiphertext).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(email);
    expect((await h.events(row.id)).map((e) => e.status)).toEqual(["queued", "sending", "sent"]);
  });

  it("a transactional email carries no List-Unsubscribe header", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    const res = await send({
      contactId,
      channel: "email",
      topic: "receipts",
      kind: "transactional",
      content: { subject: "Your receipt", text: "Order 42" },
    });
    expect(res.body.status).toBe("queued");
    await h.settle();
    expect(h.resend.sent).toHaveLength(1);
    expect(h.resend.sent[0]!.body.headers?.["List-Unsubscribe"]).toBeUndefined();
  });

  it("a marketing SMS goes to Twilio with the status callback, idempotency token, STOP wording; segments are recorded", async () => {
    const phone = uniquePhone();
    const contactId = await h.contact({ phone });
    await h.optIn(contactId, "sms", "deals");
    const res = await send({ phone, channel: "sms", topic: "deals", content: { text: "20% off today" } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("queued");
    await h.settle();

    expect(h.twilio.sent).toHaveLength(1);
    const sms = h.twilio.sent[0]!;
    expect(sms.form.To).toBe(phone);
    expect(sms.form.From).toBe(TWILIO_FROM);
    expect(sms.form.StatusCallback).toBe("http://localhost:3000/api/webhooks/twilio/status");
    expect(sms.form.Body).toMatch(/STOP/);
    expect(sms.idempotencyToken).toBe(res.body.messageId);
    const row = await h.message(res.body.messageId);
    expect(row).toMatchObject({
      status: "sent",
      transport: "twilio",
      providerMessageId: sms.sid,
      segments: sms.segments,
    });
  });
});

describe("send_with_consent: every block reason is recorded and never reaches a provider", () => {
  async function expectBlocked(res: { status: number; body: any }, reason: string) {
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ messageId: expect.any(String), status: "blocked", reason });
    await h.settle();
    const row = await h.message(res.body.messageId);
    expect(row.status).toBe("blocked");
    expect(row.reason).toBe(reason);
    expect(row.textCiphertext).toBeNull();
    const events = await h.events(row.id);
    expect(events.map((e) => e.status)).toEqual(["blocked"]);
    expect(events[0]!.detail).toMatchObject({ reason });
    expect(h.resend.requests).toHaveLength(0);
    expect(h.twilio.requests).toHaveLength(0);
    return row;
  }

  it("no_consent: the contact never opted in", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    await expectBlocked(
      await send({ contactId, channel: "email", topic: "news", content: { subject: "s", text: "t" } }),
      "no_consent",
    );
  });

  it("no_consent: an unknown email is recorded without creating a contact", async () => {
    const [before] = await h.handle.db
      .select({ n: count() })
      .from(contacts)
      .where(eq(contacts.workspaceId, h.workspaceId));
    const row = await expectBlocked(
      await send({ email: uniqueEmail(), channel: "email", topic: "news", content: { subject: "s", text: "t" } }),
      "no_consent",
    );
    expect(row.contactId).toBeNull();
    expect(row.addressHash).toBeTruthy();
    const [after] = await h.handle.db
      .select({ n: count() })
      .from(contacts)
      .where(eq(contacts.workspaceId, h.workspaceId));
    expect(after!.n).toBe(before!.n);
  });

  it("opted_out: an opt-in followed by an opt-out", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    await h.optIn(contactId, "email", "news");
    await h.optOut(contactId, "email", "news");
    const row = await expectBlocked(
      await send({ contactId, channel: "email", topic: "news", content: { subject: "s", text: "t" } }),
      "opted_out",
    );
    expect(row.decision!.consent).toMatchObject({ status: "opted_out" });
  });

  it("suppressed: the address is on the suppression list even with consent", async () => {
    const email = uniqueEmail();
    const contactId = await h.contact({ email });
    await h.optIn(contactId, "email", "news");
    await suppressAddress({
      ctx: h.ctx(),
      input: {
        channel: "email",
        addressHash: blindIndex(h.workspaceId, "email", email),
        reason: "hard_bounce",
        source: "test",
      },
    });
    await expectBlocked(
      await send({ contactId, channel: "email", topic: "news", content: { subject: "s", text: "t" } }),
      "suppressed",
    );
  });

  it("invalid_address: SMS to a contact without a phone", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    await expectBlocked(
      await send({ contactId, channel: "sms", topic: "news", content: { text: "t" } }),
      "invalid_address",
    );
  });

  it("erased: the contact was erased", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    await h.optIn(contactId, "email", "news");
    await h.handle.db
      .update(contacts)
      .set({ erasedAt: new Date(), emailCiphertext: null })
      .where(eq(contacts.id, contactId));
    await expectBlocked(
      await send({ contactId, channel: "email", topic: "news", content: { subject: "s", text: "t" } }),
      "erased",
    );
  });

  it("frequency_cap and quiet_hours in a workspace with a cap and a window that excludes now", async () => {
    const hour = new Date().getUTCHours();
    const start = hour <= 20 ? hour + 2 : 1;
    const clock = (h: number) => `${String(h).padStart(2, "0")}:00`;
    const ws = await createWorkspace(h.handle.db, {
      settings: {
        messaging: {
          quietHours: { enabled: true, start: clock(start), end: clock(start + 1), stateRules: false },
          frequencyCaps: [{ channel: "email", topicKey: null, max: 1, days: 1 }],
          timezone: "UTC",
        },
      },
    });
    const key = (await createApiKeyFor(h.handle.db, ws.id, ["messages:send"])).secret;
    await h.topic("news", ["email", "sms"], "marketing", ws.id);
    const contactId = await h.contact({ email: uniqueEmail(), phone: uniquePhone(), timezone: "UTC" }, ws.id);
    await h.optIn(contactId, "email", "news", ws.id);
    await h.optIn(contactId, "sms", "news", ws.id);

    const first = await send(
      { contactId, channel: "email", topic: "news", content: { subject: "1", text: "one" } },
      {},
      key,
    );
    expect(first.body.status).toBe("queued");
    await h.settle();
    h.resend.reset();
    await expectBlocked(
      await send({ contactId, channel: "email", topic: "news", content: { subject: "2", text: "two" } }, {}, key),
      "frequency_cap",
    );
    const quiet = await expectBlocked(
      await send({ contactId, channel: "sms", topic: "news", content: { text: "late" } }, {}, key),
      "quiet_hours",
    );
    expect(quiet.decision!.retryAt).toBeTruthy();
  });
});

describe("send_with_consent: idempotency", () => {
  it("the same key ten times in parallel records one message and makes one provider call", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    await h.optIn(contactId, "email", "news");
    const body = {
      contactId,
      channel: "email",
      topic: "news",
      content: { subject: "Once", text: "only once" },
      idempotencyKey: `order-${contactId}`,
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(body)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    const ids = new Set(answers.map((a) => a.body.messageId));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.body.status === "queued")).toBe(true);
    await h.settle();
    const [rows] = await h.handle.db
      .select({ n: count() })
      .from(messages)
      .where(and(eq(messages.workspaceId, h.workspaceId), eq(messages.idempotencyKey, body.idempotencyKey)));
    expect(rows!.n).toBe(1);
    expect(h.resend.requests).toHaveLength(1);
    expect(h.resend.sent).toHaveLength(1);

    // A later repeat answers the first answer again (queued), although the message is now sent.
    const again = await send(body);
    expect(again.body).toEqual(answers[0]!.body);
    expect((await h.message(again.body.messageId)).status).toBe("sent");
    expect(h.resend.requests).toHaveLength(1);
  });

  it("the same key with another body answers 409; the Idempotency-Key header is equivalent to the body field", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    const key = `k-${contactId}`;
    const first = await send(
      { contactId, channel: "email", topic: "news", content: { subject: "a", text: "a" } },
      { "Idempotency-Key": key },
    );
    expect(first.body.status).toBe("blocked");
    const same = await send({
      contactId,
      channel: "email",
      topic: "news",
      content: { subject: "a", text: "a" },
      idempotencyKey: key,
    });
    expect(same.body).toEqual(first.body);
    const other = await send(
      { contactId, channel: "email", topic: "news", content: { subject: "b", text: "b" } },
      { "Idempotency-Key": key },
    );
    expect(other.status).toBe(409);
  });
});

describe("send_with_consent: input and access", () => {
  it("a key without messages:send gets 403; unknown topic 400 naming it; unknown contact 404; two recipients 400", async () => {
    const readOnly = (await createApiKeyFor(h.handle.db, h.workspaceId, ["contacts:read"])).secret;
    const contactId = await h.contact({ email: uniqueEmail() });
    expect(
      (await send({ contactId, channel: "email", topic: "news", content: { text: "t" } }, {}, readOnly)).status,
    ).toBe(403);
    const unknownTopic = await send({ contactId, channel: "email", topic: "nope", content: { text: "t" } });
    expect(unknownTopic.status).toBe(400);
    expect(JSON.stringify(unknownTopic.body)).toContain("topic");
    expect(
      (
        await send({
          contactId: "00000000-0000-4000-8000-000000000000",
          channel: "email",
          topic: "news",
          content: { text: "t" },
        })
      ).status,
    ).toBe(404);
    const both = await send({
      contactId,
      email: "a@example.com",
      channel: "email",
      topic: "news",
      content: { text: "t" },
    });
    expect(both.status).toBe(400);
    expect(h.resend.requests).toHaveLength(0);
  });

  it("the OpenAPI document describes the send, batch and batch-status routes", async () => {
    const doc = await rest("GET", "/openapi.json", { key: h.key });
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(["/messages/send_with_consent", "/messages/send_batch", "/messages/batches/{id}"]),
    );
  });
});

describe("delivery failures", () => {
  it("Twilio 21610 fails the message, suppresses the number and opts it out of every marketing SMS topic; no retry", async () => {
    const phone = uniquePhone();
    const contactId = await h.contact({ phone });
    await h.optIn(contactId, "sms", "deals");
    await h.optIn(contactId, "sms", "news");
    h.twilio.failFor(phone, { status: 400, code: 21610 });
    const res = await send({ contactId, channel: "sms", topic: "deals", content: { text: "Offer" } });
    expect(res.body.status).toBe("queued");
    await h.settle();

    const row = await h.message(res.body.messageId);
    expect(row).toMatchObject({ status: "failed", reason: "21610", attempts: 1 });
    const [suppression] = await h.handle.db
      .select()
      .from(suppressions)
      .where(
        and(
          eq(suppressions.workspaceId, h.workspaceId),
          eq(suppressions.addressHash, blindIndex(h.workspaceId, "phone", phone)),
        ),
      );
    expect(suppression).toMatchObject({ channel: "sms", reason: "provider_opt_out" });
    const optOuts = await h.handle.db
      .select({ topicKey: topics.key, source: consentEvents.source })
      .from(consentEvents)
      .innerJoin(topics, eq(topics.id, consentEvents.topicId))
      .where(and(eq(consentEvents.contactId, contactId), eq(consentEvents.action, "opted_out")));
    expect(optOuts.map((o) => o.topicKey).sort()).toEqual(["deals", "news"]);
    expect(optOuts.every((o) => o.source === "provider")).toBe(true);

    // Never retried, even by a sweep long after.
    await sweepDueMessages({
      ctx: { db: h.handle.db, outbox: h.outbox, now: () => new Date(Date.now() + 3 * 60 * 60 * 1000) },
    });
    expect(twilioCallsFor(row.id)).toHaveLength(1);
    // And the next send is blocked before any provider call.
    const next = await send({ contactId, channel: "sms", topic: "news", content: { text: "Again" } });
    expect(next.body).toMatchObject({ status: "blocked", reason: "suppressed" });
  });

  it("503 then success: one message, retried after the backoff, exactly one successful provider call", async () => {
    const phone = uniquePhone();
    const contactId = await h.contact({ phone });
    await h.optIn(contactId, "sms", "deals");
    h.twilio.failNext({ status: 503 });
    const res = await send({ contactId, channel: "sms", topic: "deals", content: { text: "Flash sale" } });
    await h.settle();
    const queued = await h.message(res.body.messageId);
    expect(queued).toMatchObject({ status: "queued", attempts: 1 });
    expect(queued.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 20_000);

    // Not due yet: the sweep leaves it alone.
    await sweepDueMessages({ ctx: { db: h.handle.db, outbox: h.outbox, now: () => new Date() } });
    expect(twilioCallsFor(queued.id)).toHaveLength(1);

    const later = () => new Date(queued.nextAttemptAt!.getTime() + 1000);
    const summary = await sweepDueMessages({ ctx: { db: h.handle.db, outbox: h.outbox, now: later } });
    expect(summary.sent).toBe(1);
    const sent = await h.message(queued.id);
    expect(sent).toMatchObject({ status: "sent", attempts: 2 });
    expect(twilioCallsFor(queued.id).map((r) => r.status)).toEqual([503, 201]);
    expect(h.twilio.sent.filter((m) => m.idempotencyToken === queued.id)).toHaveLength(1);
    const [n] = await h.handle.db.select({ n: count() }).from(messages).where(eq(messages.contactId, contactId));
    expect(n!.n).toBe(1);
    expect((await h.events(queued.id)).map((e) => e.status)).toEqual([
      "queued",
      "sending",
      "retry_scheduled",
      "sending",
      "sent",
    ]);
  });

  it("429 with Retry-After waits at least that long", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    await h.optIn(contactId, "email", "news");
    h.resend.failNext(429, 1, { retryAfter: 600 });
    const before = Date.now();
    const res = await send({ contactId, channel: "email", topic: "news", content: { subject: "s", text: "t" } });
    await h.settle();
    const row = await h.message(res.body.messageId);
    expect(row.status).toBe("queued");
    expect(row.nextAttemptAt!.getTime() - before).toBeGreaterThanOrEqual(599_000);
    expect(resendCallsFor(row.id)).toHaveLength(1);
  });

  it("a final provider error fails the message with the provider's code", async () => {
    const phone = uniquePhone();
    const contactId = await h.contact({ phone });
    await h.optIn(contactId, "sms", "deals");
    h.twilio.failFor(phone, { status: 400, code: 21614 });
    const res = await send({ contactId, channel: "sms", topic: "deals", content: { text: "x" } });
    await h.settle();
    expect(await h.message(res.body.messageId)).toMatchObject({ status: "failed", reason: "21614" });
  });

  it("a stuck `sending` row is re-dispatched with the same idempotency key and the provider sends once", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    await h.optIn(contactId, "email", "news");
    const res = await send({ contactId, channel: "email", topic: "news", content: { subject: "s", text: "t" } });
    await h.settle();
    expect(h.resend.sent).toHaveLength(1);
    // Simulate a dispatcher that died after the provider accepted the call.
    await h.handle.db
      .update(messages)
      .set({
        status: "sending",
        providerMessageId: null,
        transport: null,
        updatedAt: new Date(Date.now() - 10 * 60_000),
      })
      .where(eq(messages.id, res.body.messageId));
    await sweepDueMessages({ ctx: { db: h.handle.db, outbox: h.outbox, now: () => new Date() } });
    const row = await h.message(res.body.messageId);
    expect(row.status).toBe("sent");
    expect(row.providerMessageId).toBe(h.resend.sent[0]!.ids[0]);
    expect(resendCallsFor(row.id)).toHaveLength(2);
    expect(h.resend.sent).toHaveLength(1);
  });
});
