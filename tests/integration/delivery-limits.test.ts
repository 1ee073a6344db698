import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { campaignRecipients, messageEvents, messages, senderRateWindows, topics, type Channel } from "@/db/schema";
import { fixedClock, type Clock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { advanceRun, createCampaign, scheduleCampaign, type RunStep } from "@/server/services/campaigns";
import { upsertContact } from "@/server/services/contacts";
import type { SendingContext } from "@/server/services/context";
import {
  createInProcessDispatcher,
  createOutbox,
  deliverMessages,
  fallbackOnFinalFailure,
  getProviderCircuits,
  sendWithConsent,
  sweepDueMessages,
  type Outbox,
} from "@/server/services/messages";
import { DEFERRED_EXPIRY_HOURS } from "@/server/services/messages/backoff";
import { CIRCUIT_OPEN_MS } from "@/server/services/messages/circuit-state";
import { dispatchMessages } from "@/server/services/messages/dispatch-messages";
import type { SendRequest } from "@/server/services/messages/pipeline-types";
import { recordSends } from "@/server/services/messages/record-sends";
import type { SendingWindow } from "@/server/shared/messaging-settings";
import { createMember, createWorkspace } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { createTestDb } from "@/tests/helpers/db";
import {
  callLog,
  flakySmsTransport,
  limitedSmsTransport,
  recordingEmailTransport,
} from "@/tests/helpers/limited-transports";

/**
 * Sending limits, deferred expiry and the provider circuit breaker at the delivery step, on a real
 * database: stub providers that count what they receive (and refuse what is over their own
 * limits), a clock the test moves, and outboxes whose waits move it too (or not at all).
 */

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
});
afterAll(async () => {
  await closeDb();
});

/** An outbox with stub transports; `sleep` moves the clock by what delivery waits (default), or does nothing. */
function outboxWith(sms: Outbox["transports"]["sms"], clock: ReturnType<typeof fixedClock>, waits: "move" | "none") {
  return createOutbox({
    transports: { email: recordingEmailTransport(), sms },
    dispatcher: createInProcessDispatcher(),
    onFinalFailure: fallbackOnFinalFailure,
    sleep: async (ms) => {
      if (waits === "move") clock.advance(ms);
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
}

async function limitedWorkspace(options: { sms?: SendingWindow[]; quietHours?: boolean }) {
  const ws = await createWorkspace(handle.db, {
    settings: {
      messaging: {
        quietHours: { enabled: options.quietHours ?? false, start: "08:00", end: "21:00", stateRules: false },
        frequencyCaps: [],
        sendingLimits: { email: [], sms: options.sms ?? [] },
        timezone: "UTC",
      },
    },
  });
  await handle.db.insert(topics).values([
    { workspaceId: ws.id, key: "deals", name: "Deals", channels: ["sms", "email"], kind: "marketing" },
    { workspaceId: ws.id, key: "promotions", name: "Promotions", channels: ["sms"], kind: "marketing" },
  ]);
  return ws;
}

let phoneCounter = 1000;
const nextPhone = () => `+1415555${String(++phoneCounter).padStart(4, "0")}`;

/** Contacts with a phone (and an email), opted in to `deals` on the given channels. */
async function optedInContacts(ctx: SendingContext, count: number, channels: Channel[] = ["sms"]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const phone = nextPhone();
    const { contact } = await upsertContact({
      ctx,
      input: { phone, email: `p${phone.slice(-4)}@example.com`, timezone: "UTC" },
    });
    for (const channel of channels)
      await recordConsentChange({
        ctx,
        input: {
          contactId: contact.id,
          channel,
          topicKey: "deals",
          action: "opted_in",
          source: "api",
          evidence: { ip: "203.0.113.9", text: "Yes" },
        },
      });
    ids.push(contact.id);
  }
  return ids;
}

function ctxFor(workspaceId: string, clock: Clock, outbox: Outbox): SendingContext {
  return { db: handle.db, workspaceId, actor: { type: "system" }, now: clock, outbox };
}

const smsRequest = (contactId: string, extra: Partial<SendRequest> = {}): SendRequest => ({
  recipient: { contactId },
  channel: "sms",
  topicKey: "deals",
  kind: "marketing",
  source: { content: { text: "Flash sale today" } },
  variables: {},
  idempotencyKey: null,
  requestHash: null,
  fallback: false,
  deferOnQuietHours: false,
  ...extra,
});

async function rowsOf(ids: string[]) {
  return handle.db.select().from(messages).where(inArray(messages.id, ids));
}

async function timelines(ids: string[]): Promise<Map<string, string[]>> {
  const events = await handle.db
    .select({ messageId: messageEvents.messageId, status: messageEvents.status })
    .from(messageEvents)
    .where(inArray(messageEvents.messageId, ids))
    .orderBy(messageEvents.seq);
  const byMessage = new Map<string, string[]>();
  for (const e of events) byMessage.set(e.messageId, [...(byMessage.get(e.messageId) ?? []), e.status]);
  return byMessage;
}

/** Moves the clock to the earliest retry time among these messages and runs the sweep, until none waits. */
async function sweepUntilDone(
  ids: string[],
  clock: ReturnType<typeof fixedClock>,
  outbox: Outbox,
  maxSweeps = 40,
): Promise<number> {
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    await outbox.idle();
    const [next] = await handle.db
      .select({ at: sql<string>`min(${messages.nextAttemptAt})` })
      .from(messages)
      .where(and(inArray(messages.id, ids), inArray(messages.status, ["queued", "deferred"])));
    if (!next?.at) break;
    const at = new Date(next.at);
    if (at > clock()) clock.set(at);
    await sweepDueMessages({ ctx: { db: handle.db, now: clock, outbox } });
  }
  await outbox.idle();
  return sweeps;
}

describe("sending limits per sender", () => {
  it("a batch and single sends racing through 5/s and 20/min: the provider never sees more, and every message goes once", async () => {
    const T0 = Date.parse("2026-12-02T12:00:00.300Z");
    const clock = fixedClock(new Date(T0));
    const limits = [
      { seconds: 1, max: 5 },
      { seconds: 60, max: 20 },
    ];
    const sms = limitedSmsTransport({ name: "limited-a", clock, limits });
    // The clock stands still while delivery waits: what a call cannot send goes back with its time.
    const outbox = outboxWith(sms, clock, "none");
    const ws = await limitedWorkspace({ sms: limits });
    const ctx = ctxFor(ws.id, clock, outbox);
    const contacts = await optedInContacts(ctx, 60);

    const [batch, singles] = await Promise.all([
      (async () => {
        // The campaign path: recordSends in a chunk, then one dispatch for the chunk.
        const outcomes = await recordSends({
          ctx,
          input: { requests: contacts.slice(0, 30).map((id) => smsRequest(id)) },
        });
        const recorded = outcomes.map((o) => (o.ok ? o.send : null)).filter((s) => s !== null);
        dispatchMessages({ ctx, input: { messages: recorded.map((s) => ({ id: s.messageId, workspaceId: ws.id })) } });
        return recorded.map((s) => s.messageId);
      })(),
      Promise.all(
        contacts.slice(30).map(
          async (contactId) =>
            (
              await sendWithConsent({
                ctx,
                input: { contactId, channel: "sms", topic: "deals", content: { text: "Flash sale today" } },
              })
            ).messageId,
        ),
      ),
    ]);
    const ids = [...batch, ...singles];
    expect(ids).toHaveLength(60);
    await outbox.idle();
    // Only this second's five went at once; the rest waits, not failed, not counted as an attempt.
    expect(sms.log.calls).toHaveLength(5);
    const waiting = (await rowsOf(ids)).filter((r) => r.status === "queued");
    expect(waiting).toHaveLength(55);
    expect(
      waiting.every((r) => r.attempts === 0 && r.nextAttemptAt !== null && r.nextAttemptAt.getTime() >= T0 + 700),
    ).toBe(true);

    await sweepUntilDone(ids, clock, outbox);

    expect(sms.log.overLimit).toBe(0);
    expect(sms.log.busiest(1)).toBe(5);
    expect(sms.log.busiest(60)).toBe(20);
    expect(sms.log.calls).toHaveLength(60);
    expect(new Set(sms.log.calls.map((c) => c.idempotencyKey))).toEqual(new Set(ids));
    // 60 messages at 20 a minute: the third minute carries the last ones.
    expect(Math.max(...sms.log.calls.map((c) => c.at))).toBeLessThan(T0 + 3 * 60_000);
    const rows = await rowsOf(ids);
    expect(rows.every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
    // A wait is one `delayed` line on the timeline (refreshed, never repeated), and no `sending` without a send.
    for (const statuses of (await timelines(ids)).values())
      expect(statuses.join(",")).toMatch(/^queued,(delayed,)?sending,sent$/);
    // Passed windows are deleted as new ones are taken.
    const stale = await handle.db
      .select()
      .from(senderRateWindows)
      .where(
        and(
          eq(senderRateWindows.sender, "sms:limited-a:default"),
          eq(senderRateWindows.windowSeconds, 1),
          lt(senderRateWindows.windowStart, new Date(clock().getTime() - 2_000)),
        ),
      );
    expect(stale).toEqual([]);
  });

  it("one delivery call waits for the next windows itself (at most 5 s), then hands the rest back with their projected times", async () => {
    const T0 = Date.parse("2026-12-02T13:00:00.300Z");
    const clock = fixedClock(new Date(T0));
    const sms = limitedSmsTransport({ name: "limited-b", clock, limits: [{ seconds: 1, max: 10 }] });
    const outbox = outboxWith(sms, clock, "move");
    const ws = await limitedWorkspace({ sms: [{ seconds: 1, max: 10 }] });
    const ids: string[] = [];
    for (let i = 0; i < 100; i++)
      ids.push(
        (
          await createMessage(handle.db, {
            workspaceId: ws.id,
            channel: "sms",
            status: "queued",
            address: nextPhone(),
            from: null,
            createdAt: new Date(T0 - 60_000 + i),
          })
        ).id,
      );

    const summary = await deliverMessages({ ctx: { db: handle.db, now: clock, outbox }, input: { messageIds: ids } });
    // 10 in each of the seconds 0–5 (4.7 s of waiting); the next wait would pass 5 s in all.
    expect(summary).toMatchObject({ claimed: 100, sent: 60, delayed: 40, retrying: 0, failed: 0 });
    expect(sms.log.overLimit).toBe(0);
    expect(sms.log.busiest(1)).toBe(10);
    expect(clock().getTime()).toBe(T0 - 300 + 5_000);
    const waiting = (await rowsOf(ids)).filter((r) => r.status === "queued");
    expect(waiting).toHaveLength(40);
    expect(waiting.every((r) => r.attempts === 0)).toBe(true);
    // The oldest go first, and the rest is spread over the windows it will take.
    const times = waiting.map((r) => r.nextAttemptAt!.getTime() - (T0 - 300)).sort((a, b) => a - b);
    expect(times).toEqual([6_000, 7_000, 8_000, 9_000].flatMap((t) => Array(10).fill(t)));
    const sentIds = new Set(sms.log.calls.map((c) => c.idempotencyKey));
    expect(ids.slice(0, 60).every((id) => sentIds.has(id))).toBe(true);
    const released = await timelines([waiting[0]!.id]);
    expect(released.get(waiting[0]!.id)).toEqual(["queued", "delayed"]);
    const [delayed] = await handle.db
      .select()
      .from(messageEvents)
      .where(and(eq(messageEvents.messageId, waiting[0]!.id), eq(messageEvents.status, "delayed")));
    expect(delayed!.detail).toMatchObject({
      reason: "rate_limit",
      sender: "sms:limited-b:default",
      retryAt: waiting[0]!.nextAttemptAt!.toISOString(),
    });

    // Not due yet: a sweep now leaves them alone.
    expect((await sweepDueMessages({ ctx: { db: handle.db, now: clock, outbox } })).claimed).toBe(0);
    clock.set(new Date(T0 - 300 + 9_000));
    const rest = await deliverMessages({ ctx: { db: handle.db, now: clock, outbox }, input: { messageIds: ids } });
    expect(rest).toMatchObject({ claimed: 40, sent: 40, delayed: 0 });
    expect(sms.log.overLimit).toBe(0);
    expect(sms.log.busiest(1)).toBe(10);
    expect((await rowsOf(ids)).every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
  });

  it("a campaign run at 5/s: its job sends what the limit handed back as it comes due (no sweep) and records no chunk while two are on their way", async () => {
    const T0 = Date.parse("2026-12-02T14:00:00.300Z");
    const clock = fixedClock(new Date(T0));
    const limits = [{ seconds: 1, max: 5 }];
    const sms = limitedSmsTransport({ name: "limited-run", clock, limits });
    // Delivery's own waits do not move the clock: what may not go goes back with its time at once.
    const outbox = outboxWith(sms, clock, "none");
    const ws = await limitedWorkspace({ sms: limits });
    const contacts = await optedInContacts(ctxFor(ws.id, clock, outbox), 24);
    const { ctx: member } = await createMember(handle.db, ws.id, "admin");
    const ctx = { ...member, now: clock, outbox };
    const campaign = await createCampaign({
      ctx,
      input: { name: "Flash sale", channel: "sms", topic: "deals", content: { text: "Flash sale today" } },
    });
    const { runIds } = await scheduleCampaign({ ctx, input: { id: campaign.id } });
    const runId = runIds[0]!;

    // The run's job, chunks of 4; between steps delivery settles and the clock goes to the step's time.
    const job = { db: handle.db, now: clock, outbox };
    let step: RunStep = { state: "more" };
    let maxOnTheirWay = 0;
    let waitsWithRecipientsPending = 0;
    for (let i = 0; i < 200 && step.state !== "done"; i++) {
      step = await advanceRun({ ctx: job, input: { runId, limit: 4 } });
      await outbox.idle();
      const [row] = await handle.db
        .select({ n: sql<number>`count(*)::int` })
        .from(messages)
        .where(and(eq(messages.campaignRunId, runId), inArray(messages.status, ["queued", "sending"])));
      maxOnTheirWay = Math.max(maxOnTheirWay, Number(row!.n));
      if (step.state === "wait") {
        const pending = await handle.db
          .select()
          .from(campaignRecipients)
          .where(and(eq(campaignRecipients.runId, runId), eq(campaignRecipients.status, "pending")));
        if (pending.length > 0) waitsWithRecipientsPending++;
        if (new Date(step.until) > clock()) clock.set(step.until);
      }
    }

    expect(step).toEqual({ state: "done", status: "completed" });
    const sent = await handle.db.select().from(messages).where(eq(messages.campaignRunId, runId));
    expect(sent).toHaveLength(24);
    expect(new Set(sent.map((m) => m.contactId))).toEqual(new Set(contacts));
    expect(sent.every((m) => m.status === "sent" && m.attempts === 1)).toBe(true);
    expect(sms.log.calls).toHaveLength(24);
    expect(new Set(sms.log.calls.map((c) => c.idempotencyKey))).toEqual(new Set(sent.map((m) => m.id)));
    expect(sms.log.overLimit).toBe(0);
    expect(sms.log.busiest(1)).toBe(5);
    // 24 messages at 5 a second: done within the fifth second, the job waking as they came due.
    expect(Math.max(...sms.log.calls.map((c) => c.at))).toBeLessThan(T0 + 5_000);
    // Backpressure: the job waited for the sender with recipients not yet recorded, never more
    // than two chunks (8) on their way before it stopped recording (plus the chunk that crossed it).
    expect(waitsWithRecipientsPending).toBeGreaterThan(0);
    expect(maxOnTheirWay).toBeLessThanOrEqual(12);
  });

  it("two processes delivering the same sender at once share its windows", async () => {
    const T0 = Date.parse("2026-12-02T14:00:00.000Z");
    const clock = fixedClock(new Date(T0));
    const shared = callLog();
    const limits = [{ seconds: 1, max: 4 }];
    const first = outboxWith(limitedSmsTransport({ name: "limited-c", clock, limits, log: shared }), clock, "none");
    const second = outboxWith(limitedSmsTransport({ name: "limited-c", clock, limits, log: shared }), clock, "none");
    const ws = await limitedWorkspace({ sms: limits });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++)
      ids.push(
        (
          await createMessage(handle.db, {
            workspaceId: ws.id,
            channel: "sms",
            status: "queued",
            address: nextPhone(),
            from: null,
            createdAt: new Date(T0 - 60_000),
          })
        ).id,
      );
    const evens = ids.filter((_, i) => i % 2 === 0);
    const odds = ids.filter((_, i) => i % 2 === 1);
    let steps = 0;
    for (; steps < 15 && shared.calls.length < 40; steps++) {
      clock.set(new Date(T0 + steps * 1_000));
      // Each process is handed half, and both also try the other half (a sweep racing a dispatch).
      await Promise.all([
        deliverMessages({
          ctx: { db: handle.db, now: clock, outbox: first },
          input: { messageIds: [...evens, ...odds] },
        }),
        deliverMessages({
          ctx: { db: handle.db, now: clock, outbox: second },
          input: { messageIds: [...odds, ...evens] },
        }),
      ]);
    }
    expect(shared.overLimit).toBe(0);
    expect(shared.busiest(1)).toBe(4);
    expect(steps).toBe(10);
    expect(shared.calls).toHaveLength(40);
    expect(new Set(shared.calls.map((c) => c.idempotencyKey)).size).toBe(40);
    expect((await rowsOf(ids)).every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
  });
});

describe("quiet-hours deferrals", () => {
  it("a pile due at 08:00 is spread by the limiter, not sent at once", async () => {
    const clock = fixedClock("2026-12-01T23:30:00Z");
    const sms = limitedSmsTransport({ name: "limited-d", clock, limits: [{ seconds: 1, max: 5 }] });
    const outbox = outboxWith(sms, clock, "none");
    const ws = await limitedWorkspace({ sms: [{ seconds: 1, max: 5 }], quietHours: true });
    const ctx = ctxFor(ws.id, clock, outbox);
    const contacts = await optedInContacts(ctx, 12);
    const outcomes = await recordSends({
      ctx,
      input: { requests: contacts.map((id) => smsRequest(id, { deferOnQuietHours: true })) },
    });
    const ids = outcomes.map((o) => (o.ok ? o.send.messageId : ""));
    const rows = await rowsOf(ids);
    expect(rows.every((r) => r.status === "deferred")).toBe(true);
    expect(rows[0]!.nextAttemptAt!.toISOString()).toBe("2026-12-02T08:00:00.000Z");

    clock.set("2026-12-02T08:00:00.000Z");
    const first = await sweepDueMessages({ ctx: { db: handle.db, now: clock, outbox } });
    expect(first).toMatchObject({ claimed: 12, sent: 5, delayed: 7 });
    await sweepUntilDone(ids, clock, outbox);
    expect(sms.log.overLimit).toBe(0);
    expect(sms.log.busiest(1)).toBe(5);
    expect(sms.log.calls.map((c) => new Date(c.at).toISOString().slice(11, 19))).toEqual([
      ...Array(5).fill("08:00:00"),
      ...Array(5).fill("08:00:01"),
      ...Array(2).fill("08:00:02"),
    ]);
    expect((await rowsOf(ids)).every((r) => r.status === "sent")).toBe(true);
  });

  it(`a deferral expires ${DEFERRED_EXPIRY_HOURS} h after its decision: failed as expired, never sent, and its fallback runs`, async () => {
    const clock = fixedClock("2026-12-01T23:30:00Z");
    const sms = limitedSmsTransport({ name: "limited-e", clock, limits: [] });
    const outbox = outboxWith(sms, clock, "none");
    const ws = await limitedWorkspace({ quietHours: true });
    const ctx = ctxFor(ws.id, clock, outbox);
    const [contactId] = await optedInContacts(ctx, 1, ["sms", "email"]);
    const sent = await sendWithConsent({
      ctx,
      input: {
        contactId: contactId!,
        channel: "sms",
        topic: "deals",
        content: { subject: "Morning deal", text: "Morning deal" },
        deferOnQuietHours: true,
        fallback: true,
      },
    });
    await outbox.idle();
    const deferred = (await rowsOf([sent.messageId]))[0]!;
    expect(deferred).toMatchObject({ status: "deferred", attempts: 0 });
    expect(deferred.expiresAt!.toISOString()).toBe("2026-12-02T11:30:00.000Z");

    // Nothing delivered it in its window (the sweep was down); past its expiry the sweep fails it.
    clock.set("2026-12-02T11:31:00Z");
    const summary = await sweepDueMessages({ ctx: { db: handle.db, now: clock, outbox } });
    expect(summary).toMatchObject({ claimed: 0, expired: 1, sent: 0 });
    await outbox.idle();
    const expired = (await rowsOf([sent.messageId]))[0]!;
    expect(expired).toMatchObject({ status: "failed", reason: "expired", attempts: 0, nextAttemptAt: null });
    expect(expired.failedAt!.toISOString()).toBe("2026-12-02T11:31:00.000Z");
    expect(sms.log.calls).toHaveLength(0);
    const events = await handle.db
      .select()
      .from(messageEvents)
      .where(eq(messageEvents.messageId, sent.messageId))
      .orderBy(messageEvents.seq);
    expect(events.map((e) => e.status)).toEqual(["deferred", "failed"]);
    expect(events[1]!.detail).toMatchObject({ reason: "expired", expiresAt: "2026-12-02T11:30:00.000Z" });
    // The final-failure handling ran: the fallback email exists and went out.
    const [fallback] = await handle.db.select().from(messages).where(eq(messages.parentMessageId, sent.messageId));
    expect(fallback).toMatchObject({ channel: "email", relation: "fallback", status: "sent" });
    // Claimed by anyone later, it stays failed and is never sent.
    await deliverMessages({ ctx: { db: handle.db, now: clock, outbox }, input: { messageIds: [sent.messageId] } });
    expect(sms.log.calls).toHaveLength(0);
  });

  it("a deferral whose expiry comes before its window is failed by the sweep at expiry; one that is due goes out", async () => {
    const clock = fixedClock("2026-12-01T22:00:00Z");
    const sms = limitedSmsTransport({ name: "limited-f", clock, limits: [] });
    const outbox = outboxWith(sms, clock, "none");
    const ws = await limitedWorkspace({ quietHours: true });
    const ctx = ctxFor(ws.id, clock, outbox);
    const contacts = await optedInContacts(ctx, 2);
    const outcomes = await recordSends({
      ctx,
      input: {
        requests: [
          smsRequest(contacts[0]!, { deferOnQuietHours: true, deferredExpiryHours: 2 }),
          smsRequest(contacts[1]!, { deferOnQuietHours: true }),
        ],
      },
    });
    const [short, normal] = outcomes.map((o) => (o.ok ? o.send.messageId : ""));
    const rows = await rowsOf([short!, normal!]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(short!)!.expiresAt!.toISOString()).toBe("2026-12-02T00:00:00.000Z");
    expect(byId.get(normal!)!.expiresAt!.toISOString()).toBe("2026-12-02T10:00:00.000Z");

    clock.set("2026-12-02T01:00:00Z");
    const night = await sweepDueMessages({ ctx: { db: handle.db, now: clock, outbox } });
    expect(night).toMatchObject({ claimed: 0, expired: 1 });
    clock.set("2026-12-02T08:00:05Z");
    await sweepDueMessages({ ctx: { db: handle.db, now: clock, outbox } });
    const after = new Map((await rowsOf([short!, normal!])).map((r) => [r.id, r]));
    expect(after.get(short!)).toMatchObject({ status: "failed", reason: "expired" });
    expect(after.get(normal!)).toMatchObject({ status: "sent" });
    expect(sms.log.calls.map((c) => c.idempotencyKey)).toEqual([normal]);
    // Queued (not deferred) messages carry no expiry.
    const plain = await recordSends({ ctx, input: { requests: [smsRequest(contacts[0]!)] } });
    const plainId = plain[0]!.ok ? plain[0]!.send.messageId : "";
    const [plainRow] = await rowsOf([plainId]);
    expect(plainRow).toMatchObject({ status: "queued", expiresAt: null });
    await deliverMessages({ ctx: { db: handle.db, now: clock, outbox }, input: { messageIds: [plainId] } });
  });
});

describe("the provider circuit breaker", () => {
  it("ten failures open it: messages wait until open_until without an attempt; a failed probe doubles the wait, a good one closes it", async () => {
    const T0 = Date.parse("2026-12-02T15:00:00.000Z");
    const clock = fixedClock(new Date(T0));
    const flaky = flakySmsTransport("flaky-sms");
    const outbox = outboxWith(flaky, clock, "none");
    const ws = await limitedWorkspace({});
    const deps = { db: handle.db, now: clock, outbox };
    const queued = async (count: number) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++)
        ids.push(
          (
            await createMessage(handle.db, {
              workspaceId: ws.id,
              channel: "sms",
              status: "queued",
              address: nextPhone(),
              createdAt: new Date(clock().getTime() - 1_000 + i),
            })
          ).id,
        );
      return ids;
    };

    const failing = await queued(10);
    const first = await deliverMessages({ ctx: deps, input: { messageIds: failing } });
    expect(first).toMatchObject({ claimed: 10, retrying: 10 });
    expect(flaky.calls).toBe(10);
    const openUntil = new Date(T0 + CIRCUIT_OPEN_MS);
    expect((await getProviderCircuits({ ctx: deps })).find((c) => c.provider === "flaky-sms")).toEqual({
      provider: "flaky-sms",
      state: "open",
      openUntil,
      failures: 10,
    });

    // While open: no call; the messages wait until open_until, attempts untouched, never failed.
    const waiting = await queued(3);
    const paused = await deliverMessages({ ctx: deps, input: { messageIds: waiting } });
    expect(paused).toMatchObject({ claimed: 3, sent: 0, failed: 0, retrying: 0, delayed: 3 });
    expect(flaky.calls).toBe(10);
    for (const row of await rowsOf(waiting)) {
      expect(row).toMatchObject({ status: "queued", attempts: 0 });
      expect(row.nextAttemptAt).toEqual(openUntil);
    }
    const [event] = await handle.db
      .select()
      .from(messageEvents)
      .where(and(eq(messageEvents.messageId, waiting[0]!), eq(messageEvents.status, "delayed")));
    expect(event!.detail).toMatchObject({
      reason: "provider_paused",
      provider: "flaky-sms",
      retryAt: openUntil.toISOString(),
    });
    expect((await timelines([waiting[0]!])).get(waiting[0]!)).toEqual(["queued", "delayed"]);
    // Not due before open_until.
    expect((await deliverMessages({ ctx: deps, input: { messageIds: waiting } })).claimed).toBe(0);

    // After open_until one call goes through; it fails: open again for twice as long.
    clock.set(openUntil);
    const probe = await deliverMessages({ ctx: deps, input: { messageIds: waiting } });
    expect(flaky.calls).toBe(11);
    expect(probe).toMatchObject({ claimed: 3, retrying: 1, delayed: 2 });
    const reopened = (await getProviderCircuits({ ctx: deps })).find((c) => c.provider === "flaky-sms")!;
    expect(reopened).toMatchObject({ state: "open", openUntil: new Date(openUntil.getTime() + 2 * CIRCUIT_OPEN_MS) });
    const stillWaiting = (await rowsOf(waiting)).filter((r) => r.attempts === 0);
    expect(stillWaiting).toHaveLength(2);
    expect(stillWaiting.every((r) => r.nextAttemptAt!.getTime() === reopened.openUntil!.getTime())).toBe(true);
    // Delayed again: still one `delayed` line.
    expect((await timelines([stillWaiting[0]!.id])).get(stillWaiting[0]!.id)).toEqual(["queued", "delayed"]);

    // The provider is back: after the wait the probe succeeds, the circuit closes, the rest follows at once.
    flaky.down = false;
    clock.set(reopened.openUntil!);
    const recovered = await deliverMessages({ ctx: deps, input: { messageIds: stillWaiting.map((r) => r.id) } });
    expect(recovered).toMatchObject({ claimed: 2, sent: 2, delayed: 0 });
    expect(flaky.calls).toBe(13);
    expect((await getProviderCircuits({ ctx: deps })).find((c) => c.provider === "flaky-sms")).toEqual({
      provider: "flaky-sms",
      state: "closed",
      openUntil: null,
      failures: 0,
    });
    expect((await rowsOf(stillWaiting.map((r) => r.id))).every((r) => r.status === "sent" && r.attempts === 1)).toBe(
      true,
    );
  });
});
