import { InngestTestEngine } from "@inngest/test";
import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, messageEvents, messages, suppressions, webhookEvents, type MessageRow } from "@/db/schema";
import { verifyAuditChain } from "@/server/services/audit/verify-audit-chain";
import { providerOf, webhookRequest } from "@/app/api/webhooks/_webhook";
import { POST as postInbound } from "@/app/api/webhooks/[provider]/inbound/route";
import { systemClock } from "@/server/lib/clock";
import {
  drainWebhookEvents,
  receiveDeliveryWebhook,
  receiveInboundWebhook,
  wakeWebhookDrain,
  webhookDrainActive,
  webhookDrainIdle,
} from "@/server/services/webhooks";
import { webhookDrainFunction } from "@/inngest/functions/webhook-drain";
import { runWithJobContext } from "@/server/jobs/runner/context";
import { rest } from "@/tests/helpers/http";
import { resendWebhookRequest, TEST_SVIX_SECRET } from "@/tests/helpers/svix-signature";
import { twilioRequest } from "@/tests/helpers/twilio-signature";
import { startSendHarness, TWILIO_FROM, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

/**
 * Delivery webhooks are acknowledged once stored and applied by the drain (docs/development.md
 * "Webhooks"): exactly once, whatever the order and the duplicates, with the final-failure
 * fallback once; inbound keywords stay synchronous, so a STOP in the middle of a burst blocks the
 * next send at once.
 */
let h: SendHarness;
const TWILIO_AUTH_TOKEN = "twilio-test-token";
const STATUS_URL = "http://localhost:3000/api/webhooks/twilio/status";
const INBOUND_URL = "http://localhost:3000/api/webhooks/twilio/inbound";
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
});

const ctx = () => ({ db: h.handle.db, now: systemClock, outbox: h.outbox });

/** The acknowledgement path alone (no drain woken): verify, store, answer. */
async function ack(request: Request) {
  const answer = await receiveDeliveryWebhook({
    ctx: ctx(),
    input: { provider: providerOf(request), request: webhookRequest(request, new Date()) },
  });
  return answer!;
}

const twilioStatus = (sid: string, status: string, errorCode?: string) =>
  twilioRequest(
    STATUS_URL,
    {
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus: status,
      SmsStatus: status,
      AccountSid: "AC0123456789abcdef0123456789abcdef",
      ...(errorCode ? { ErrorCode: errorCode } : {}),
    },
    { authToken: TWILIO_AUTH_TOKEN },
  );

/** Twilio's inbound-text webhook for a text from `from` to our number, signed. */
const inboundText = (sid: string, from: string, body: string) =>
  twilioRequest(
    INBOUND_URL,
    {
      MessageSid: sid,
      SmsSid: sid,
      AccountSid: "AC0123456789abcdef0123456789abcdef",
      From: from,
      To: TWILIO_FROM,
      Body: body,
      NumMedia: "0",
    },
    { authToken: TWILIO_AUTH_TOKEN },
  );

const resendEvent = (type: string, emailId: string, id: string, at: Date, data: Record<string, unknown> = {}) =>
  resendWebhookRequest(
    RESEND_URL,
    { type, created_at: at.toISOString(), data: { email_id: emailId, created_at: at.toISOString(), ...data } },
    { id },
  );

const send = (body: Record<string, unknown>) => rest("POST", "/messages/send_with_consent", { key: h.key, body });

async function sentMessage(channel: "sms" | "email", fallback = false) {
  const email = uniqueEmail();
  const phone = uniquePhone();
  const contactId = await h.contact({ email, phone });
  await h.optIn(contactId, "email", "news");
  await h.optIn(contactId, "sms", "news");
  const res = await send({
    contactId,
    channel,
    topic: "news",
    content: { subject: "Burst", text: "Hello" },
    fallback,
  });
  expect(res.body.status).toBe("queued");
  await h.settle();
  const row = await h.message(res.body.messageId);
  expect(row).toMatchObject({ status: "sent" });
  return { row, contactId, phone };
}

const webhookTimeline = (ids: string[]) =>
  h.handle.db
    .select()
    .from(messageEvents)
    .where(and(inArray(messageEvents.messageId, ids), eq(messageEvents.source, "webhook")));
const fallbacksOf = (ids: string[]) =>
  h.handle.db.select().from(messages).where(inArray(messages.parentMessageId, ids));

/** Deterministic shuffle (the same order every run). */
function shuffled<T>(items: T[], seed = 7): T[] {
  const out = [...items];
  let a = seed;
  for (let i = out.length - 1; i > 0; i--) {
    a = (a * 1103515245 + 12345) % 2147483648;
    const j = a % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("acknowledge, then apply", () => {
  it("the acknowledgement stores the event unapplied and answers; the drain applies it", async () => {
    const { row } = await sentMessage("sms");
    const answer = await ack(twilioStatus(row.providerMessageId!, "delivered"));
    expect(answer.status).toBe(200);
    const [stored] = await h.handle.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.providerMessageId, row.providerMessageId!));
    expect(stored).toMatchObject({ provider: "twilio", appliedAt: null, workspaceId: null });
    expect((await h.message(row.id)).status).toBe("sent");
    expect(await webhookTimeline([row.id])).toHaveLength(0);

    // A redelivery is answered too, and stores nothing more.
    expect((await ack(twilioStatus(row.providerMessageId!, "delivered"))).status).toBe(200);

    expect(await drainWebhookEvents({ ctx: ctx() })).toMatchObject({ applied: 1 });
    expect((await h.message(row.id)).status).toBe("delivered");
    expect(await webhookTimeline([row.id])).toHaveLength(1);
    const [applied] = await h.handle.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.providerMessageId, row.providerMessageId!));
    expect(applied!.appliedAt).not.toBeNull();
    expect(applied!.workspaceId).toBe(h.workspaceId);
    expect(await drainWebhookEvents({ ctx: ctx() })).toMatchObject({ applied: 0 });
  });

  it("a burst of out-of-order and duplicate events is applied exactly once, the fallback once", async () => {
    const sms = [];
    for (let i = 0; i < 4; i++) sms.push((await sentMessage("sms", true)).row);
    const emails: MessageRow[] = [];
    for (let i = 0; i < 3; i++) emails.push((await sentMessage("email")).row);
    const expected = new Map<string, string>();
    const requests: (() => Request)[] = [];
    sms.forEach((row, i) => {
      const last = i === 0 ? "undelivered" : "delivered";
      expected.set(row.id, last);
      for (const status of ["queued", "sent", last])
        requests.push(() =>
          twilioStatus(row.providerMessageId!, status, status === "undelivered" ? "30003" : undefined),
        );
    });
    const base = Date.now() - 60_000;
    emails.forEach((row, i) => {
      const last = i === 0 ? "email.bounced" : "email.delivered";
      expected.set(row.id, last.slice("email.".length));
      ["email.sent", last, "email.opened"].forEach((type, step) => {
        const data = type === "email.bounced" ? { bounce: { type: "Permanent", subType: "General" } } : {};
        const id = `msg_${row.id.slice(0, 8)}_${step}`;
        requests.push(() => resendEvent(type, row.providerMessageId!, id, new Date(base + step * 1000), data));
      });
    });
    const unique = requests.length;
    // Out of order, and every third request delivered twice (the copy later in the stream).
    const stream = shuffled([...requests, ...requests.filter((_, i) => i % 3 === 0)]);
    const answers = await Promise.all(stream.map((make) => ack(make())));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const ids = [...sms, ...emails].map((m) => m.id);
    // Nothing applied by the acknowledgements, not even the hard bounce (sends read it as a
    // suppression until the drain applies it).
    const statuses = new Map(
      (await h.handle.db.select().from(messages).where(inArray(messages.id, ids))).map((m) => [m.id, m.status]),
    );
    expect(ids.map((id) => statuses.get(id))).toEqual(ids.map(() => "sent"));

    // Two drains at once (two instances), small batches: each event is claimed by one of them.
    const [a, b] = await Promise.all([
      drainWebhookEvents({ ctx: ctx(), input: { limit: 4 } }),
      drainWebhookEvents({ ctx: ctx(), input: { limit: 4 } }),
    ]);
    expect(a.applied + b.applied).toBe(unique);
    await h.settle();

    const rows = new Map<string, MessageRow>(
      (await h.handle.db.select().from(messages).where(inArray(messages.id, ids))).map((m) => [m.id, m]),
    );
    for (const [id, status] of expected) expect(rows.get(id)!.status).toBe(status);
    expect(await webhookTimeline(ids)).toHaveLength(unique);
    const pending = await h.handle.db
      .select()
      .from(webhookEvents)
      .where(
        and(
          isNull(webhookEvents.appliedAt),
          inArray(
            webhookEvents.providerMessageId,
            [...sms, ...emails].map((m) => m.providerMessageId!),
          ),
        ),
      );
    expect(pending).toHaveLength(0);
    // The undelivered SMS fell back to email once; the bounced email (no fallback asked) did not.
    const fallbacks = await fallbacksOf(ids);
    expect(fallbacks.map((f) => [f.parentMessageId, f.channel])).toEqual([[sms[0]!.id, "email"]]);

    // The same burst again (every event a redelivery): nothing changes.
    await Promise.all(stream.map((make) => ack(make())));
    expect(await drainWebhookEvents({ ctx: ctx() })).toMatchObject({ applied: 0 });
    expect(await webhookTimeline(ids)).toHaveLength(unique);
    expect(await fallbacksOf(ids)).toHaveLength(1);
  });

  it("a STOP received during a burst blocks the next send to that number at once", async () => {
    const burst = [];
    for (let i = 0; i < 3; i++) burst.push((await sentMessage("sms")).row);
    const { contactId, phone } = await sentMessage("sms");
    // Status callbacks stored but not applied yet, the STOP arriving among them.
    await Promise.all(burst.map((row) => ack(twilioStatus(row.providerMessageId!, "delivered"))));
    const sid = `SM${"5".repeat(32)}`;
    const stop = await postInbound(inboundText(sid, phone, "STOP"));
    expect(stop.status).toBe(200);
    expect(await stop.text()).toContain("<Message>");
    await Promise.all(burst.map((row) => ack(twilioStatus(row.providerMessageId!, "sent"))));

    const next = await send({ contactId, channel: "sms", topic: "news", content: { text: "Still there?" } });
    expect(next.body).toMatchObject({ status: "blocked" });
    expect(["opted_out", "suppressed"]).toContain(next.body.reason);

    await drainWebhookEvents({ ctx: ctx() });
    await webhookDrainIdle(); // and whatever a drain woken by a route holds
    const rows = await h.handle.db
      .select()
      .from(messages)
      .where(
        and(
          inArray(
            messages.id,
            burst.map((m) => m.id),
          ),
          ne(messages.status, "delivered"),
        ),
      );
    expect(rows).toHaveLength(0);
  });

  it("a complaint or carrier opt-out acknowledged but not applied yet already blocks the next send; the drain applies it once", async () => {
    const { row, contactId } = await sentMessage("email");
    const sms = await sentMessage("sms");
    // Status events of other messages waiting for the drain around them.
    const others = [(await sentMessage("sms")).row, (await sentMessage("sms")).row];
    await Promise.all(others.map((m) => ack(twilioStatus(m.providerMessageId!, "delivered"))));
    const answer = await ack(resendEvent("email.complained", row.providerMessageId!, "msg_complaint_1", new Date()));
    expect(answer.status).toBe(200);
    // Twilio 21610: the recipient opted out with the carrier.
    expect((await ack(twilioStatus(sms.row.providerMessageId!, "undelivered", "21610"))).status).toBe(200);
    // Nothing is applied on the acknowledgement path…
    expect((await h.message(row.id)).status).toBe("sent");
    expect((await h.message(sms.row.id)).status).toBe("sent");
    // …and still the next email to the complaining address, and the next text to the opted-out
    // number, are blocked as suppressed; another channel of the same contact is not.
    const next = await send({ contactId, channel: "email", topic: "news", content: { subject: "Again", text: "Hi" } });
    expect(next.body).toMatchObject({ status: "blocked", reason: "suppressed" });
    const nextSms = await send({ contactId: sms.contactId, channel: "sms", topic: "news", content: { text: "Hi" } });
    expect(nextSms.body).toMatchObject({ status: "blocked", reason: "suppressed" });
    const otherChannel = await send({
      contactId: sms.contactId,
      channel: "email",
      topic: "news",
      content: { subject: "Hi", text: "Hi" },
    });
    expect(otherChannel.body).toMatchObject({ status: "queued" });
    await h.settle();
    // The drain applies the effects (first) and the rest, each once; the sends stay blocked.
    expect(await drainWebhookEvents({ ctx: ctx() })).toMatchObject({ applied: 4 });
    expect((await h.message(row.id)).status).toBe("complained");
    expect(await webhookTimeline([row.id])).toHaveLength(1);
    expect(await drainWebhookEvents({ ctx: ctx() })).toMatchObject({ applied: 0 });
    const after = await send({ contactId, channel: "email", topic: "news", content: { subject: "Again", text: "Hi" } });
    expect(after.body).toMatchObject({ status: "blocked" });
  });

  it("a plain inbound reply is acknowledged once stored, encrypted, and recorded once by the drain at the time it arrived", async () => {
    const { contactId, phone } = await sentMessage("sms");
    const sid = `SM${"7".repeat(32)}`;
    const body = "What time do you open tomorrow?";
    const inbound = () => inboundText(sid, phone, body);
    const receive = async () => {
      const request = inbound();
      return (await receiveInboundWebhook({
        ctx: ctx(),
        input: { provider: providerOf(request), request: webhookRequest(request, new Date()) },
      }))!;
    };
    const answer = await receive();
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain("<Message>");
    expect((await receive()).status).toBe(200); // Twilio's retry: nothing more stored
    const stored = await h.handle.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.dedupeKey, `inbound:${sid}`));
    expect(stored).toHaveLength(1);
    expect(stored[0]!.appliedAt).toBeNull();
    // Sender and body are kept encrypted only.
    expect(JSON.stringify(stored[0]!.payload)).not.toContain(phone);
    expect(JSON.stringify(stored[0]!.payload)).not.toContain("open tomorrow");
    const recorded = () =>
      h.handle.db
        .select()
        .from(messages)
        .where(and(eq(messages.providerMessageId, sid), eq(messages.direction, "inbound")));
    expect(await recorded()).toHaveLength(0);

    const [first, second] = await Promise.all([drainWebhookEvents({ ctx: ctx() }), drainWebhookEvents({ ctx: ctx() })]);
    expect(first.applied + second.applied).toBe(1);
    const rows = await recorded();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ contactId, status: "received" });
    expect(rows[0]!.createdAt.getTime()).toBe(stored[0]!.receivedAt.getTime());
    const [applied] = await h.handle.db.select().from(webhookEvents).where(eq(webhookEvents.id, stored[0]!.id));
    expect(applied!.appliedAt).not.toBeNull();
    expect(applied!.payload).not.toHaveProperty("from");
    expect(applied!.payload).not.toHaveProperty("body");
    expect(await drainWebhookEvents({ ctx: ctx() })).toMatchObject({ applied: 0 });
    expect(await recorded()).toHaveLength(1);
  });

  it("hard bounces applied together: one suppression per address, audited in an unbroken chain", async () => {
    const bounced = [await sentMessage("email"), await sentMessage("email"), await sentMessage("email")];
    const before = await h.handle.db.select().from(auditLog).where(eq(auditLog.workspaceId, h.workspaceId));
    const at = new Date();
    for (const [i, { row }] of bounced.entries()) {
      const data = { bounce: { type: "Permanent", subType: "General" } };
      expect((await ack(resendEvent("email.bounced", row.providerMessageId!, `msg_hb_${i}`, at, data))).status).toBe(
        200,
      );
    }
    expect(await drainWebhookEvents({ ctx: ctx() })).toMatchObject({ applied: 3 });
    const rows = await h.handle.db
      .select()
      .from(suppressions)
      .where(
        and(
          eq(suppressions.workspaceId, h.workspaceId),
          inArray(
            suppressions.addressHash,
            bounced.map((b) => b.row.addressHash!),
          ),
        ),
      );
    expect(rows.map((r) => r.reason)).toEqual(["hard_bounce", "hard_bounce", "hard_bounce"]);
    const added = (await h.handle.db.select().from(auditLog).where(eq(auditLog.workspaceId, h.workspaceId))).filter(
      (r) => !before.some((b) => b.id === r.id),
    );
    expect(
      added
        .filter((r) => r.action === "suppression.added")
        .map((r) => r.targetId)
        .sort(),
    ).toEqual(bounced.map((b) => b.contactId).sort());
    expect(await verifyAuditChain({ ctx: { db: h.handle.db }, input: { workspaceId: h.workspaceId } })).toMatchObject({
      ok: true,
    });
    for (const { row } of bounced) expect((await h.message(row.id)).status).toBe("bounced");
  });

  it("the minute job drains what is left, and stands aside while this process's loop is draining", async () => {
    const { row } = await sentMessage("sms");
    await ack(twilioStatus(row.providerMessageId!, "delivered"));
    // A fresh engine per run (an engine replays the step results it memoised).
    const run = () => {
      const engine = new InngestTestEngine({
        function: webhookDrainFunction,
        events: [{ name: "inngest/scheduled.timer", data: { cron: "* * * * *" } }],
      });
      return runWithJobContext({ context: { db: h.handle.db, now: systemClock } }, () => engine.execute());
    };
    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.result).toEqual({ applied: 1, failed: 0, skipped: false });
    expect((await h.message(row.id)).status).toBe("delivered");

    wakeWebhookDrain(ctx());
    expect(webhookDrainActive()).toBe(true);
    expect((await run()).result).toEqual({ applied: 0, failed: 0, skipped: true });
    await webhookDrainIdle();
    expect(webhookDrainActive()).toBe(false);
  });

  it("reading one message applies its waiting events first; the drain then finds nothing of it", async () => {
    const { row } = await sentMessage("sms");
    await ack(twilioStatus(row.providerMessageId!, "delivered"));
    await ack(twilioStatus(row.providerMessageId!, "sent"));
    expect((await h.message(row.id)).status).toBe("sent");
    const read = await rest("GET", `/messages/${row.id}`, { key: h.key });
    expect(read.status).toBe(200);
    expect(read.body.status).toBe("delivered");
    expect(await webhookTimeline([row.id])).toHaveLength(2);
    const pending = await h.handle.db
      .select()
      .from(webhookEvents)
      .where(and(eq(webhookEvents.providerMessageId, row.providerMessageId!), isNull(webhookEvents.appliedAt)));
    expect(pending).toHaveLength(0);
  });
});
