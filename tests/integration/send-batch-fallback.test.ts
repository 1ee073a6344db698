import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, consentEvents, messages } from "@/db/schema";
import { fixedClock } from "@/server/lib/clock";
import { sendWithConsent } from "@/server/services/messages/send-with-consent";
import { sweepDueMessages } from "@/server/services/messages/sweep-due-messages";
import { createWorkspace } from "@/tests/factories";
import { rest } from "@/tests/helpers/http";
import { startSendHarness, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

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

describe("send_batch", () => {
  it("answers one outcome per recipient in order, and the batch status counts them live", async () => {
    const a = await h.contact({ email: uniqueEmail() });
    const b = await h.contact({ email: uniqueEmail() });
    const noConsent = await h.contact({ email: uniqueEmail() });
    await h.optIn(a, "email", "news");
    await h.optIn(b, "email", "news");
    const res = await rest("POST", "/messages/send_batch", {
      key: h.key,
      body: {
        channel: "email",
        topic: "news",
        content: { subject: "Weekly", text: "Hello {{ name }}" },
        variables: { name: "there" },
        recipients: [
          { contactId: a },
          { contactId: b, variables: { name: "Bea" } },
          { contactId: noConsent },
          { contactId: "00000000-0000-4000-8000-000000000000" },
          { email: uniqueEmail() },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(5);
    expect(res.body.outcomes.map((o: { status: string }) => o.status)).toEqual([
      "queued",
      "queued",
      "blocked",
      "error",
      "blocked",
    ]);
    expect(res.body.outcomes[2].reason).toBe("no_consent");
    expect(res.body.outcomes[3].error.code).toBe("NOT_FOUND");
    expect(res.body.outcomes.map((o: { index: number }) => o.index)).toEqual([0, 1, 2, 3, 4]);

    await h.settle();
    // Two first-attempt emails: one Resend batch call.
    expect(h.resend.sent).toHaveLength(1);
    expect(h.resend.sent[0]!.path).toBe("/emails/batch");
    // Members are ordered by message id inside a provider batch (so a replay is byte-identical).
    expect(h.resend.sent[0]!.body.map((e: { text: string }) => e.text.split("\n")[0]).sort()).toEqual([
      "Hello Bea",
      "Hello there",
    ]);

    const status = await rest("GET", `/messages/batches/${res.body.batchId}`, { key: h.key });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ batchId: res.body.batchId, total: 5, errors: 1, done: true });
    expect(status.body.counts).toMatchObject({ sent: 2, blocked: 2, queued: 0, failed: 0 });

    // Live: a later status change shows at once.
    await h.handle.db
      .update(messages)
      .set({ status: "delivered" })
      .where(eq(messages.id, res.body.outcomes[0].messageId));
    const live = await rest("GET", `/messages/batches/${res.body.batchId}`, { key: h.key });
    expect(live.body.counts).toMatchObject({ sent: 1, delivered: 1 });
  });

  it("a batch of 600 runs in chunks, sends every allowed message once, and repeats idempotently", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 600; i++) ids.push(await h.contact({ email: uniqueEmail() }));
    await Promise.all(ids.filter((_, i) => i % 3 !== 2).map((id) => h.optIn(id, "email", "news")));
    const body = {
      channel: "email",
      topic: "news",
      content: { subject: "Big", text: "Big news" },
      idempotencyKey: `big-${ids[0]}`,
      recipients: ids.map((contactId) => ({ contactId })),
    };

    const started = Date.now();
    const res = await rest("POST", "/messages/send_batch", { key: h.key, body });
    expect(res.status).toBe(200);
    const elapsed = Date.now() - started;
    console.info(`send_batch of 600 answered in ${elapsed} ms`);
    expect(res.body.outcomes.filter((o: { status: string }) => o.status === "queued")).toHaveLength(400);
    expect(res.body.outcomes.filter((o: { status: string }) => o.status === "blocked")).toHaveLength(200);
    await h.settle();
    const emails = h.resend.sent.flatMap((s) => (Array.isArray(s.body) ? s.body : [s.body]));
    expect(emails).toHaveLength(400);
    expect(h.resend.sent.every((s) => s.path === "/emails/batch" && s.body.length <= 100)).toBe(true);
    expect(elapsed).toBeLessThan(60_000);

    const again = await rest("POST", "/messages/send_batch", { key: h.key, body });
    expect(again.body.batchId).toBe(res.body.batchId);
    expect(again.body.outcomes).toEqual(res.body.outcomes);
    await h.settle();
    expect(h.resend.sent.flatMap((s) => s.body)).toHaveLength(400);

    const changed = await rest("POST", "/messages/send_batch", {
      key: h.key,
      body: { ...body, content: { subject: "Other", text: "Other" } },
    });
    expect(changed.status).toBe(409);
    const status = await rest("GET", `/messages/batches/${res.body.batchId}`, { key: h.key });
    expect(status.body.counts).toMatchObject({ sent: 400, blocked: 200 });
  }, 120_000);

  it("more than 1,000 recipients is refused with 400 naming recipients", async () => {
    const res = await rest("POST", "/messages/send_batch", {
      key: h.key,
      body: {
        channel: "email",
        topic: "news",
        content: { text: "x" },
        recipients: Array.from({ length: 1001 }, () => ({ email: "a@example.com" })),
      },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("recipients");
  });
});

describe("fallback", () => {
  it("SMS blocked for no consent falls back to email where the contact consented", async () => {
    const email = uniqueEmail();
    const contactId = await h.contact({ email, phone: uniquePhone() });
    await h.optIn(contactId, "email", "news");
    const res = await rest("POST", "/messages/send_with_consent", {
      key: h.key,
      body: { contactId, channel: "sms", topic: "news", content: { subject: "Hi", text: "Hello" }, fallback: true },
    });
    expect(res.body).toMatchObject({
      status: "blocked",
      reason: "no_consent",
      fallback: { channel: "email", status: "queued" },
    });
    await h.settle();
    expect(h.twilio.requests).toHaveLength(0);
    expect(h.resend.sent).toHaveLength(1);
    expect(h.resend.sent[0]!.body.to).toEqual([email]);
    const child = await h.message(res.body.fallback.messageId);
    expect(child).toMatchObject({
      status: "sent",
      channel: "email",
      parentMessageId: res.body.messageId,
      relation: "fallback",
    });
  });

  it("no fallback where the contact did not consent on the other channel", async () => {
    const contactId = await h.contact({ email: uniqueEmail(), phone: uniquePhone() });
    const res = await rest("POST", "/messages/send_with_consent", {
      key: h.key,
      body: { contactId, channel: "sms", topic: "news", content: { text: "Hello" }, fallback: true },
    });
    expect(res.body).toEqual({ messageId: expect.any(String), status: "blocked", reason: "no_consent" });
    expect((await h.events(res.body.messageId)).map((e) => e.status)).toEqual(["blocked", "fallback_skipped"]);
  });

  it("an SMS that fails for good falls back to email", async () => {
    const phone = uniquePhone();
    const contactId = await h.contact({ email: uniqueEmail(), phone });
    await h.optIn(contactId, "sms", "news");
    await h.optIn(contactId, "email", "news");
    h.twilio.failFor(phone, { status: 400, code: 21211 });
    const res = await rest("POST", "/messages/send_with_consent", {
      key: h.key,
      body: { contactId, channel: "sms", topic: "news", content: { subject: "Hi", text: "Hello" }, fallback: true },
    });
    expect(res.body.status).toBe("queued");
    await h.settle();
    expect((await h.message(res.body.messageId)).status).toBe("failed");
    const [child] = await h.handle.db.select().from(messages).where(eq(messages.parentMessageId, res.body.messageId));
    expect(child).toMatchObject({ channel: "email", relation: "fallback", status: "sent" });
    expect(h.resend.sent).toHaveLength(1);
  });
});

describe("retry and resend", () => {
  it("retry sends a failed message again as a new message; a second retry answers the same; a sent message cannot be retried", async () => {
    const phone = uniquePhone();
    const contactId = await h.contact({ phone });
    await h.optIn(contactId, "sms", "deals");
    h.twilio.failFor(phone, { status: 400, code: 21211 });
    const res = await rest("POST", "/messages/send_with_consent", {
      key: h.key,
      body: { contactId, channel: "sms", topic: "deals", content: { text: "Deal {{ n }}" }, variables: { n: 7 } },
    });
    await h.settle();
    expect((await h.message(res.body.messageId)).status).toBe("failed");

    h.twilio.reset();
    const retry = await rest("POST", `/messages/${res.body.messageId}/retry`, { key: h.key, body: {} });
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe("queued");
    await h.settle();
    const child = await h.message(retry.body.messageId);
    expect(child).toMatchObject({ status: "sent", parentMessageId: res.body.messageId, relation: "retry" });
    expect(h.twilio.sent).toHaveLength(1);
    expect(h.twilio.sent[0]!.form.Body).toContain("Deal 7");

    const again = await rest("POST", `/messages/${res.body.messageId}/retry`, { key: h.key, body: {} });
    expect(again.body.messageId).toBe(retry.body.messageId);
    expect((await rest("POST", `/messages/${retry.body.messageId}/retry`, { key: h.key, body: {} })).status).toBe(409);
    const audits = await h.handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "message.retried"), eq(auditLog.targetId, retry.body.messageId)));
    expect(audits).toHaveLength(1);
  });

  it("resend decides consent again: after an opt-out the resend is blocked", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    await h.optIn(contactId, "email", "news");
    const res = await rest("POST", "/messages/send_with_consent", {
      key: h.key,
      body: { contactId, channel: "email", topic: "news", content: { subject: "s", text: "t" } },
    });
    await h.settle();
    const resent = await rest("POST", `/messages/${res.body.messageId}/resend`, { key: h.key, body: {} });
    expect(resent.body.status).toBe("queued");
    await h.optOut(contactId, "email", "news");
    const blocked = await rest("POST", `/messages/${res.body.messageId}/resend`, { key: h.key, body: {} });
    expect(blocked.body).toMatchObject({ status: "blocked", reason: "opted_out" });
    expect((await h.message(blocked.body.messageId)).relation).toBe("resend");
  });
});

describe("quiet hours with a controllable clock", () => {
  it("blocks a marketing SMS at night, or defers it to the window and delivers it then", async () => {
    const ws = await createWorkspace(h.handle.db, {
      settings: {
        messaging: {
          quietHours: { enabled: true, start: "08:00", end: "21:00", stateRules: false },
          frequencyCaps: [],
          timezone: "UTC",
        },
      },
    });
    await h.topic("news", ["sms"], "marketing", ws.id);
    const phone = uniquePhone();
    const clock = fixedClock("2026-12-01T23:30:00Z");
    const contactId = await h.contact({ phone, timezone: "Europe/London" }, ws.id);
    await h.optIn(contactId, "sms", "news", ws.id, clock);
    const ctx = {
      db: h.handle.db,
      workspaceId: ws.id,
      actor: { type: "system" as const },
      now: clock,
      outbox: h.outbox,
    };

    const blocked = await sendWithConsent({
      ctx,
      input: { contactId, channel: "sms", topic: "news", content: { text: "Night" } },
    });
    expect(blocked).toMatchObject({ status: "blocked", reason: "quiet_hours" });

    const deferred = await sendWithConsent({
      ctx,
      input: { contactId, channel: "sms", topic: "news", content: { text: "Morning" }, deferOnQuietHours: true },
    });
    expect(deferred).toEqual({
      messageId: expect.any(String),
      status: "queued",
      deliverAt: "2026-12-02T08:00:00.000Z",
    });
    await h.settle();
    expect(await h.message(deferred.messageId)).toMatchObject({ status: "deferred" });
    expect(h.twilio.requests).toHaveLength(0);

    clock.set("2026-12-02T07:59:00Z");
    await sweepDueMessages({ ctx: { db: h.handle.db, outbox: h.outbox, now: clock } });
    expect(h.twilio.requests).toHaveLength(0);
    clock.set("2026-12-02T08:00:30Z");
    await sweepDueMessages({ ctx: { db: h.handle.db, outbox: h.outbox, now: clock } });
    expect(await h.message(deferred.messageId)).toMatchObject({ status: "sent" });
    expect(h.twilio.sent.map((m) => m.idempotencyToken)).toEqual([deferred.messageId]);
  });

  it("an opt-out that arrives while a message is deferred stops it at delivery", async () => {
    const ws = await createWorkspace(h.handle.db, {
      settings: {
        messaging: {
          quietHours: { enabled: true, start: "08:00", end: "21:00", stateRules: false },
          frequencyCaps: [],
          timezone: "UTC",
        },
      },
    });
    await h.topic("news", ["sms"], "marketing", ws.id);
    const clock = fixedClock("2026-12-01T23:30:00Z");
    const contactId = await h.contact({ phone: uniquePhone(), timezone: "UTC" }, ws.id);
    await h.optIn(contactId, "sms", "news", ws.id, clock);
    const ctx = {
      db: h.handle.db,
      workspaceId: ws.id,
      actor: { type: "system" as const },
      now: clock,
      outbox: h.outbox,
    };
    const deferred = await sendWithConsent({
      ctx,
      input: { contactId, channel: "sms", topic: "news", content: { text: "Morning" }, deferOnQuietHours: true },
    });
    clock.set("2026-12-02T02:00:00Z");
    await h.optOut(contactId, "sms", undefined, ws.id, clock);
    clock.set("2026-12-02T09:00:00Z");
    await sweepDueMessages({ ctx: { db: h.handle.db, outbox: h.outbox, now: clock } });
    expect(await h.message(deferred.messageId)).toMatchObject({ status: "blocked", reason: "opted_out" });
    expect(h.twilio.requests).toHaveLength(0);
  });
});

describe("a STOP racing a send", () => {
  it("200 concurrent opt-out vs send: no provider call for any send decided after the opt-out committed", async () => {
    let t = Date.parse("2026-12-01T15:00:00Z");
    const clock = () => new Date((t += 1));
    const runs: { contactId: string; phone: string }[] = [];
    for (let i = 0; i < 200; i++) {
      const phone = uniquePhone();
      const contactId = await h.contact({ phone });
      await h.optIn(contactId, "sms", "deals", h.workspaceId, clock);
      runs.push({ contactId, phone });
    }
    const ctx = { ...h.ctx(clock) };
    const results = await Promise.all(
      runs.map(async ({ contactId }) => {
        const [, answer] = await Promise.all([
          h.optOut(contactId, "sms", undefined, h.workspaceId, clock),
          sendWithConsent({ ctx, input: { contactId, channel: "sms", topic: "deals", content: { text: "Race" } } }),
        ]);
        return { contactId, answer };
      }),
    );
    await h.settle();

    const rows = await h.handle.db
      .select()
      .from(messages)
      .where(
        inArray(
          messages.id,
          results.map((r) => r.answer.messageId),
        ),
      );
    const optOuts = await h.handle.db
      .select({ contactId: consentEvents.contactId, recordedAt: consentEvents.recordedAt })
      .from(consentEvents)
      .where(
        and(
          inArray(
            consentEvents.contactId,
            runs.map((r) => r.contactId),
          ),
          eq(consentEvents.action, "opted_out"),
        ),
      );
    const optOutAt = new Map(optOuts.map((o) => [o.contactId, o.recordedAt.getTime()]));
    expect(rows).toHaveLength(200);
    expect(optOutAt.size).toBe(200);

    let after = 0;
    let before = 0;
    for (const row of rows) {
      const decidedAt = Date.parse(row.decision!.decidedAt);
      const stop = optOutAt.get(row.contactId!)!;
      expect(decidedAt).not.toBe(stop);
      const calls = h.twilio.requests.filter((r) => r.idempotencyToken === row.id);
      if (decidedAt > stop) {
        after++;
        expect(row).toMatchObject({ status: "blocked", reason: "opted_out" });
        expect(calls).toHaveLength(0);
      } else {
        before++;
        expect(calls.length).toBeLessThanOrEqual(1);
      }
    }
    expect(after + before).toBe(200);
    // Provider calls happened only for sends decided before their STOP.
    const sentIds = new Set(h.twilio.requests.map((r) => r.idempotencyToken));
    for (const row of rows)
      if (sentIds.has(row.id)) expect(Date.parse(row.decision!.decidedAt)).toBeLessThan(optOutAt.get(row.contactId!)!);
  }, 120_000);
});
