import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messages, providerCircuits } from "@/db/schema";
import { listDeadLetters, retryMessage, sweepDueMessages } from "@/server/services/messages";
import { MAX_DELIVERY_ATTEMPTS } from "@/server/services/messages/backoff";
import { createApiKeyFor, createMember, createWorkspace, memberContext } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { rest } from "@/tests/helpers/http";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

/**
 * The dead-letter view (`listDeadLetters`, `GET /messages/dead_letters`) on a real database
 * (PGlite, or PostgreSQL with TEST_DATABASE_URL): messages whose retries ran out or that failed
 * for good, with their last error; masking by role and scope; retrying one takes it off the list.
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

async function workspace() {
  const ws = await createWorkspace(h.handle.db, { settings: NO_QUIET_HOURS });
  await h.topic("news", ["email", "sms"], "marketing", ws.id);
  const marketer = await createMember(h.handle.db, ws.id, "marketer");
  const viewer = await createMember(h.handle.db, ws.id, "viewer");
  return {
    id: ws.id,
    marketer: () => memberContext(h.handle.db, ws.id, marketer.user.id, "marketer"),
    viewer: () => memberContext(h.handle.db, ws.id, viewer.user.id, "viewer"),
  };
}

const HOUR = 60 * 60 * 1000;

describe("dead letters", () => {
  it("an SMS whose retries ran out is listed with its last error, exhausted; a final refusal is listed, not exhausted", async () => {
    const ws = await workspace();
    const { secret } = await createApiKeyFor(h.handle.db, ws.id, ["messages:send", "contacts:read"]);
    const tired = uniquePhone();
    const refused = uniquePhone();
    const tiredId = await h.contact({ phone: tired }, ws.id);
    const refusedId = await h.contact({ phone: refused }, ws.id);
    await h.optIn(tiredId, "sms", "news", ws.id);
    await h.optIn(refusedId, "sms", "news", ws.id);

    h.twilio.failNext({ status: 503 }, MAX_DELIVERY_ATTEMPTS);
    const first = await rest("POST", "/messages/send_with_consent", {
      key: secret,
      body: { contactId: tiredId, channel: "sms", topic: "news", content: { text: "Flash sale" } },
    });
    await h.settle();
    for (let i = 1; i < MAX_DELIVERY_ATTEMPTS; i++) {
      const later = new Date(Date.now() + i * 2 * HOUR);
      await sweepDueMessages({ ctx: { db: h.handle.db, outbox: h.outbox, now: () => later } });
    }
    h.twilio.failFor(refused, { status: 400, code: 21614 });
    const second = await rest("POST", "/messages/send_with_consent", {
      key: secret,
      body: { contactId: refusedId, channel: "sms", topic: "news", content: { text: "Flash sale" } },
    });
    await h.settle();
    // The provider's circuit opened on the 503s; later tests in this file start from a healthy provider.
    await h.handle.db.delete(providerCircuits);

    const page = await listDeadLetters({ ctx: ws.marketer(), input: {} });
    expect(page.items.map((i) => i.id)).toEqual([second.body.messageId, first.body.messageId]);
    const [final, exhausted] = page.items;
    expect(exhausted).toMatchObject({
      status: "failed",
      attempts: MAX_DELIVERY_ATTEMPTS,
      exhausted: true,
      retryable: true,
      to: tired,
      contactId: tiredId,
      channel: "sms",
      topic: "news",
    });
    expect(exhausted!.lastError).toMatch(/Twilio/);
    expect(exhausted!.failedAt).toBeInstanceOf(Date);
    expect(final).toMatchObject({ status: "failed", attempts: 1, exhausted: false, reason: "21614", to: refused });
    expect(final!.lastError).toMatch(/21614/);
  });

  it("leaves out what is not a dead letter: sent, blocked, inbound, cancelled campaign messages, bounced", async () => {
    const ws = await workspace();
    const base = { workspaceId: ws.id, topic: "news", address: uniqueEmail() };
    const failed = await createMessage(h.handle.db, { ...base, status: "failed", reason: "provider_error" });
    const undelivered = await createMessage(h.handle.db, {
      ...base,
      channel: "sms",
      address: uniquePhone(),
      status: "undelivered",
    });
    await createMessage(h.handle.db, { ...base, status: "sent" });
    await createMessage(h.handle.db, { ...base, status: "delivered" });
    await createMessage(h.handle.db, { ...base, status: "blocked", reason: "no_consent" });
    await createMessage(h.handle.db, { ...base, status: "bounced" });
    await createMessage(h.handle.db, { ...base, status: "failed", reason: "cancelled" });
    await createMessage(h.handle.db, { ...base, channel: "sms", direction: "inbound", address: uniquePhone() });

    const page = await listDeadLetters({ ctx: ws.marketer(), input: {} });
    expect(page.items.map((i) => i.id).sort()).toEqual([failed.id, undelivered.id].sort());
    // Not retried, not a send the pipeline recorded (no stored request): nothing to run again.
    expect(page.items.every((i) => i.retryable === false)).toBe(true);
  });

  it("filters by channel and campaign, and pages by cursor", async () => {
    const ws = await workspace();
    const campaignId = "00000000-0000-4000-8000-000000000001";
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const a = await createMessage(h.handle.db, {
      workspaceId: ws.id,
      topic: "news",
      status: "failed",
      createdAt: at(3),
    });
    const b = await createMessage(h.handle.db, {
      workspaceId: ws.id,
      topic: "news",
      channel: "sms",
      address: uniquePhone(),
      status: "failed",
      createdAt: at(2),
    });
    const c = await createMessage(h.handle.db, {
      workspaceId: ws.id,
      topic: "news",
      status: "failed",
      campaignId,
      createdAt: at(1),
    });

    const sms = await listDeadLetters({ ctx: ws.marketer(), input: { channel: "sms" } });
    expect(sms.items.map((i) => i.id)).toEqual([b.id]);
    const ofCampaign = await listDeadLetters({ ctx: ws.marketer(), input: { campaignId } });
    expect(ofCampaign.items.map((i) => i.id)).toEqual([c.id]);

    const first = await listDeadLetters({ ctx: ws.marketer(), input: { limit: 2 } });
    expect(first.items.map((i) => i.id)).toEqual([c.id, b.id]);
    expect([first.total, sms.total, ofCampaign.total]).toEqual([3, 1, 1]);
    expect(first.nextCursor).not.toBeNull();
    const second = await listDeadLetters({ ctx: ws.marketer(), input: { limit: 2, cursor: first.nextCursor! } });
    expect(second.items.map((i) => i.id)).toEqual([a.id]);
    expect(second.nextCursor).toBeNull();
  });

  it("masks recipients for viewers; over REST a key without contacts:read gets none, the route is not taken for a message id", async () => {
    const ws = await workspace();
    const email = uniqueEmail();
    const failed = await createMessage(h.handle.db, {
      workspaceId: ws.id,
      topic: "news",
      status: "failed",
      address: email,
    });

    const viewer = await listDeadLetters({ ctx: ws.viewer(), input: {} });
    expect(viewer.masked).toBe(true);
    expect(viewer.items[0]!.to).not.toBe(email);
    expect(viewer.items[0]!.to).toMatch(/•/);

    const sendOnly = await createApiKeyFor(h.handle.db, ws.id, ["messages:send"]);
    const answer = await rest("GET", "/messages/dead_letters?limit=10", { key: sendOnly.secret });
    expect(answer.status).toBe(200);
    expect(answer.body.items).toHaveLength(1);
    expect(answer.body.items[0]).toMatchObject({ id: failed.id, to: null, status: "failed" });
    expect(JSON.stringify(answer.body)).not.toContain(email.split("@")[0]);

    const reader = await createApiKeyFor(h.handle.db, ws.id, ["contacts:read"]);
    const full = await rest("GET", `/messages/dead_letters?channel=email`, { key: reader.secret });
    expect(full.status).toBe(200);
    expect(full.body.items[0].to).toBe(email);
    // The message route still answers for real ids.
    expect((await rest("GET", `/messages/${failed.id}`, { key: reader.secret })).status).toBe(200);
  });

  it("retrying a dead letter takes it off the list; a retry that fails again is listed in its place", async () => {
    const ws = await workspace();
    const phone = uniquePhone();
    const contactId = await h.contact({ phone }, ws.id);
    await h.optIn(contactId, "sms", "news", ws.id);
    const { secret } = await createApiKeyFor(h.handle.db, ws.id, ["messages:send"]);
    h.twilio.failFor(phone, { status: 400, code: 21614 });
    const sent = await rest("POST", "/messages/send_with_consent", {
      key: secret,
      body: { contactId, channel: "sms", topic: "news", content: { text: "Hello" } },
    });
    await h.settle();
    const before = await listDeadLetters({ ctx: ws.marketer(), input: {} });
    expect(before.items.map((i) => [i.id, i.retryable])).toEqual([[sent.body.messageId, true]]);

    const retry = await retryMessage({ ctx: ws.marketer(), input: { id: sent.body.messageId } });
    await h.settle();
    const [row] = await h.handle.db.select().from(messages).where(eq(messages.id, retry.messageId));
    expect(row!.status).toBe("failed");
    const after = await listDeadLetters({ ctx: ws.marketer(), input: {} });
    expect(after.items.map((i) => i.id)).toEqual([retry.messageId]);
  });
});
