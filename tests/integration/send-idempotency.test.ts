import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { messages } from "@/db/schema";
import { sweepDueMessages } from "@/server/services/messages/sweep-due-messages";
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

/** The sweep as it runs once the retry delay has passed. */
const sweepLater = (minutes: number) =>
  sweepDueMessages({ ctx: { db: h.handle.db, outbox: h.outbox, now: () => new Date(Date.now() + minutes * 60_000) } });

async function sendEmails(count: number): Promise<{ emails: string[]; ids: string[] }> {
  const emails = Array.from({ length: count }, () => uniqueEmail());
  const contactIds: string[] = [];
  for (const email of emails) {
    const id = await h.contact({ email });
    await h.optIn(id, "email", "news");
    contactIds.push(id);
  }
  const res = await rest("POST", "/messages/send_batch", {
    key: h.key,
    body: {
      channel: "email",
      topic: "news",
      content: { subject: "Hello", text: "Hello there" },
      recipients: contactIds.map((contactId) => ({ contactId })),
    },
  });
  expect(res.status).toBe(200);
  return { emails, ids: res.body.outcomes.map((o: { messageId: string }) => o.messageId) };
}

function perRecipient(deliveries: { to: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of deliveries) counts.set(d.to, (counts.get(d.to) ?? 0) + 1);
  return counts;
}

describe("a retryable error on a batch call", () => {
  it("the provider did the work but answered 500: the retry replays the same batch with the same key, one email per recipient", async () => {
    const { emails, ids } = await sendEmails(3);
    h.resend.failNext(500, 1, { afterDelivery: true });
    await h.settle();
    const rows = await h.handle.db.select().from(messages).where(inArray(messages.id, ids));
    expect(rows.map((r) => r.status)).toEqual(["queued", "queued", "queued"]);
    // The retry's jitter is drawn once for the call: its members come due at the same instant.
    expect(new Set(rows.map((r) => r.nextAttemptAt!.getTime())).size).toBe(1);
    const keys = new Set(rows.map((r) => r.providerBatchKey));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^batch-/);

    await sweepLater(2);
    const calls = h.resend.requests.filter((r) => r.path.startsWith("/emails"));
    expect(calls.map((c) => c.path)).toEqual(["/emails/batch", "/emails/batch"]);
    expect(calls[1]!.headers["idempotency-key"]).toBe(calls[0]!.headers["idempotency-key"]);
    expect(calls[1]!.body).toEqual(calls[0]!.body);

    const deliveries = h.resend.deliveries();
    expect(deliveries).toHaveLength(3);
    expect(new Set(deliveries.map((d) => d.key)).size).toBe(1);
    expect([...perRecipient(deliveries).entries()].sort()).toEqual(emails.map((e) => [e, 1] as const).sort());
    const after = await h.handle.db.select().from(messages).where(inArray(messages.id, ids));
    expect(after.every((r) => r.status === "sent" && r.attempts === 2 && r.providerMessageId)).toBe(true);
  });

  it("a 429 on the batch call: the retry is the same batch call with the same key", async () => {
    const { emails } = await sendEmails(2);
    h.resend.failNext(429, 1, { retryAfter: 1 });
    await h.settle();
    await sweepLater(2);
    const calls = h.resend.requests.filter((r) => r.path.startsWith("/emails"));
    expect(calls.map((c) => [c.path, c.status])).toEqual([
      ["/emails/batch", 429],
      ["/emails/batch", 200],
    ]);
    expect(calls[1]!.headers["idempotency-key"]).toBe(calls[0]!.headers["idempotency-key"]);
    expect([...perRecipient(h.resend.deliveries()).values()]).toEqual([1, 1]);
    expect(new Set(h.resend.deliveries().map((d) => d.to))).toEqual(new Set(emails));
  });

  it("a member claimed alone (the others not yet due) replays the whole batch: nobody gets a second email", async () => {
    const { emails, ids } = await sendEmails(3);
    h.resend.failNext(500, 1, { afterDelivery: true });
    await h.settle();
    // One member comes due earlier than the others (e.g. claimed by another sweep round).
    const { deliverMessages } = await import("@/server/services/messages/deliver");
    await h.handle.db
      .update(messages)
      .set({ nextAttemptAt: new Date(Date.now() - 1000) })
      .where(inArray(messages.id, [ids[0]!]));
    const first = await deliverMessages({
      ctx: { db: h.handle.db, outbox: h.outbox, now: () => new Date() },
      input: { messageIds: [ids[0]!] },
    });
    expect(first).toMatchObject({ claimed: 1, sent: 1 });
    await sweepLater(2);
    const calls = h.resend.requests.filter((r) => r.path.startsWith("/emails"));
    expect(calls.every((c) => c.path === "/emails/batch" && c.body.length === 3)).toBe(true);
    expect(new Set(calls.map((c) => c.headers["idempotency-key"])).size).toBe(1);
    expect([...perRecipient(h.resend.deliveries()).entries()].sort()).toEqual(
      emails.map((e) => [e, 1] as const).sort(),
    );
    const after = await h.handle.db.select().from(messages).where(inArray(messages.id, ids));
    expect(after.every((r) => r.status === "sent")).toBe(true);
  });

  it("a batch member that opted out after the call was made is still replayed as part of that call (one email, never a new key)", async () => {
    const { emails, ids } = await sendEmails(2);
    h.resend.failNext(500, 1, { afterDelivery: true });
    await h.settle();
    const [row] = await h.handle.db
      .select()
      .from(messages)
      .where(inArray(messages.id, [ids[0]!]));
    await h.optOut(row!.contactId!, "email", "news");
    await sweepLater(2);
    const calls = h.resend.requests.filter((r) => r.path.startsWith("/emails"));
    expect(calls.map((c) => c.path)).toEqual(["/emails/batch", "/emails/batch"]);
    expect(calls[1]!.headers["idempotency-key"]).toBe(calls[0]!.headers["idempotency-key"]);
    expect([...perRecipient(h.resend.deliveries()).entries()].sort()).toEqual(
      emails.map((e) => [e, 1] as const).sort(),
    );
  });
});

describe("a retryable error on an SMS", () => {
  it("every attempt of one SMS carries the same I-Twilio-Idempotency-Token: one SMS delivered", async () => {
    const phone = uniquePhone();
    const contactId = await h.contact({ phone });
    await h.optIn(contactId, "sms", "news");
    h.twilio.failNext({ status: 500, afterDelivery: true });
    const res = await rest("POST", "/messages/send_with_consent", {
      key: h.key,
      body: { contactId, channel: "sms", topic: "news", content: { text: "Hello" } },
    });
    expect(res.body.status).toBe("queued");
    await h.settle();
    expect((await h.message(res.body.messageId)).status).toBe("queued");
    await sweepLater(2);
    expect(h.twilio.requests.map((r) => r.idempotencyToken)).toEqual([res.body.messageId, res.body.messageId]);
    expect(h.twilio.deliveries()).toEqual([{ key: res.body.messageId, to: phone }]);
    expect((await h.message(res.body.messageId)).status).toBe("sent");
  });
});
