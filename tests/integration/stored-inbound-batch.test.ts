import { randomBytes, randomUUID } from "node:crypto";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { campaignEngagement, messageEvents, messages, suppressions, webhookEvents } from "@/db/schema";
import { blindIndex, encryptPii } from "@/server/lib/crypto";
import { claimInbound } from "@/server/services/inbound/handle-inbound-sms";
import { applyStoredInboundTexts, storeInboundText } from "@/server/services/inbound/stored-inbound-texts";
import { upsertContact } from "@/server/services/contacts";
import { MESSAGE_PII_PURPOSE } from "@/server/services/messages/message-view";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createWorkspace, systemContext } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { countStatements, createTestDb } from "@/tests/helpers/db";

/**
 * Plain inbound replies acknowledged first are applied by the drain in batches, set-based, in one
 * transaction per batch (server/services/inbound/stored-inbound-texts.ts): each text routed and
 * recorded as it would be alone, exactly once, however many drains run, and a text the batch
 * cannot take goes through the one-text handler without holding up the rest.
 */

const SHARED_NUMBER = "+14155550100";

let handle: DbHandle;
let first: string; // the default workspace: first candidate for the shared number
let second: string;
let clock = new Date("2026-12-01T12:00:00.000Z");
const now = () => clock;
const ctx = () => ({ db: handle.db, now, requestId: "req-batch" });

let phoneSeq = 0;
/** A fresh valid US number (555-01xx numbers are reserved for fiction). */
const newPhone = () => `+1415555${String(2000 + ++phoneSeq).slice(-4)}`;
const newSid = () => `SM${randomBytes(16).toString("hex")}`;

async function contactIn(workspaceId: string, phone: string) {
  const { contact } = await upsertContact({ ctx: systemContext(handle.db, workspaceId), input: { phone } });
  return contact.id;
}

/** Stores a plain reply the way the webhook acknowledges one, at `at`. */
async function store(from: string, body: string, at: Date, sid = newSid()) {
  clock = at;
  expect(await storeInboundText({ ctx: ctx(), input: { messageSid: sid, from, to: SHARED_NUMBER, body } })).toBe(
    "accepted",
  );
  return sid;
}

async function inboundRows(sid: string) {
  return handle.db
    .select()
    .from(messages)
    .where(and(eq(messages.providerMessageId, sid), eq(messages.direction, "inbound")))
    .orderBy(messages.workspaceId);
}

async function waiting() {
  return handle.db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.type, "inbound"), isNull(webhookEvents.appliedAt)));
}

beforeAll(async () => {
  handle = await createTestDb();
  // Neither workspace has numbers of its own: both text from the shared default number.
  first = (await createWorkspace(handle.db, { name: "Acme Coffee", isDefault: "default" })).id;
  second = (await createWorkspace(handle.db, { name: "Bolt Bikes" })).id;
  for (const id of [first, second]) await ensureDefaultTopics(handle.db, id, new Date());
});

afterAll(async () => {
  await handle?.close();
});

describe("stored plain replies applied in batches", () => {
  it("a batch routes and records each text as alone, attributes replies once, in a bounded number of statements", async () => {
    const inFirst = newPhone();
    const inSecond = newPhone();
    const inBoth = newPhone();
    const unknown = newPhone();
    const replier = await contactIn(first, inFirst);
    const secondContact = await contactIn(second, inSecond);
    const bothFirst = await contactIn(first, inBoth);
    const bothSecond = await contactIn(second, inBoth);

    // The campaign text the replies answer: sent an hour before them.
    const base = new Date("2026-12-01T12:00:00.000Z");
    const campaignId = randomUUID();
    const runId = randomUUID();
    const campaignText = await createMessage(handle.db, {
      workspaceId: first,
      contactId: replier,
      channel: "sms",
      address: inFirst,
      campaignId,
      createdAt: new Date(base.getTime() - 3_600_000),
    });
    await handle.db
      .update(messages)
      .set({ campaignRunId: runId, variant: "A", sentAt: new Date(base.getTime() - 3_600_000) })
      .where(eq(messages.id, campaignText.id));

    const at = (s: number) => new Date(base.getTime() + s * 1000);
    const firstReply = await store(inFirst, "Is it on all week?", at(1));
    const secondReply = await store(inFirst, "And the weekend?", at(2));
    const toSecond = await store(inSecond, "See you Saturday", at(3));
    const toBoth = await store(inBoth, "Thanks!", at(4));
    const fromUnknown = await store(unknown, "Who is this?", at(5));
    // More texts, so the batch is not small: the statement count must not grow with it.
    const more: string[] = [];
    for (let i = 0; i < 15; i++) more.push(await store(newPhone(), `Reply ${i}`, at(10 + i)));

    clock = at(60);
    const counter = countStatements(handle.db);
    expect(await applyStoredInboundTexts({ ctx: ctx() })).toBe(20);
    const statements = counter.stop();
    // One read of the waiting texts, one of the workspaces for the number, then the batch:
    // locks, claim, who knows the senders (2), messages, timeline, attribution (find, claim,
    // roll-up). The per-text handler runs about ten per text.
    expect(statements.length).toBeLessThanOrEqual(12);
    expect(await waiting()).toHaveLength(0);

    // Recorded at the time each arrived, in the workspace that knows the sender.
    const [a] = await inboundRows(firstReply);
    expect(a).toMatchObject({ workspaceId: first, contactId: replier, status: "received", createdAt: at(1) });
    expect((await inboundRows(secondReply))[0]).toMatchObject({ workspaceId: first, contactId: replier });
    expect(await inboundRows(toSecond)).toEqual([
      expect.objectContaining({ workspaceId: second, contactId: secondContact }),
    ]);
    // Known in both: recorded in both, marked as a shared number.
    const both = await inboundRows(toBoth);
    expect(both.map((m) => [m.workspaceId, m.contactId]).sort()).toEqual(
      [
        [first, bothFirst],
        [second, bothSecond],
      ].sort(),
    );
    expect(both.every((m) => m.options.sharedNumber === true)).toBe(true);
    // Known nowhere: the first candidate (the default workspace), without a contact.
    const [stranger] = await inboundRows(fromUnknown);
    expect(stranger).toMatchObject({ workspaceId: first, contactId: null });
    expect(stranger!.addressHash).toBe(blindIndex(first, "phone", unknown));
    const [strangerEvent] = await handle.db
      .select()
      .from(messageEvents)
      .where(eq(messageEvents.messageId, stranger!.id));
    expect(strangerEvent).toMatchObject({ status: "received", source: "webhook" });
    expect(strangerEvent!.detail).toMatchObject({ provider: "twilio", classification: "other", unknownNumber: true });
    for (const sid of more) expect(await inboundRows(sid)).toHaveLength(1);

    // Two replies to one campaign text: one reply counted, at the first one's time.
    const [answered] = await handle.db.select().from(messages).where(eq(messages.id, campaignText.id));
    expect(answered!.repliedAt).toEqual(at(1));
    const [rollup] = await handle.db
      .select()
      .from(campaignEngagement)
      .where(eq(campaignEngagement.campaignId, campaignId));
    expect(rollup).toMatchObject({ runId, variant: "A", replies: 1 });

    // The stored sender and body are dropped once applied.
    const stored = await handle.db
      .select({ payload: webhookEvents.payload })
      .from(webhookEvents)
      .where(eq(webhookEvents.providerMessageId, firstReply));
    expect(Object.keys(stored[0]!.payload).sort()).toEqual(["classification", "to"]);

    // A second drain finds nothing to do and changes nothing.
    const before = (await handle.db.select({ id: messages.id }).from(messages)).length;
    expect(await applyStoredInboundTexts({ ctx: ctx() })).toBe(0);
    expect((await handle.db.select({ id: messages.id }).from(messages)).length).toBe(before);
  });

  it("two drains at once, in small batches, record every text exactly once", async () => {
    const sids: string[] = [];
    for (let i = 0; i < 12; i++)
      sids.push(await store(newPhone(), `Concurrent ${i}`, new Date(Date.UTC(2026, 11, 2, 9, 0, i))));
    const [x, y] = await Promise.all([
      applyStoredInboundTexts({ ctx: ctx(), input: { limit: 5 } }),
      applyStoredInboundTexts({ ctx: ctx(), input: { limit: 5 } }),
    ]);
    let rest = 0;
    for (let applied = -1; applied !== 0;) rest += applied = await applyStoredInboundTexts({ ctx: ctx() });
    expect(x + y + rest).toBe(12);
    const rows = await handle.db
      .select({ sid: messages.providerMessageId })
      .from(messages)
      .where(and(inArray(messages.providerMessageId, sids), eq(messages.direction, "inbound")));
    expect(rows.map((r) => r.sid).sort()).toEqual([...sids].sort());
  });

  it("a text the batch cannot take goes one by one and holds up no other; one that cannot be read stays for later", async () => {
    const clock0 = new Date("2026-12-03T08:00:00.000Z");
    clock = clock0;
    // Stored as a plain reply, but it reads as STOP now: the one-text handler applies it in full.
    const stopper = newPhone();
    await contactIn(first, stopper);
    const stopSid = newSid();
    await claimInbound(
      handle.db,
      { messageSid: stopSid, to: SHARED_NUMBER },
      {
        classification: "other",
        from: encryptPii(stopper, MESSAGE_PII_PURPOSE.address),
        body: encryptPii("STOP", MESSAGE_PII_PURPOSE.text),
      },
      clock0,
      null,
    );
    // A stored row whose sender cannot be decrypted: left unapplied, logged, retried later.
    const brokenSid = newSid();
    const broken = await claimInbound(
      handle.db,
      { messageSid: brokenSid, to: SHARED_NUMBER },
      { classification: "other", from: "not-a-ciphertext", body: null },
      clock0,
      null,
    );
    const plain = await store(newPhone(), "Plain and fine", new Date(clock0.getTime() + 1000));

    expect(await applyStoredInboundTexts({ ctx: ctx() })).toBe(2);
    expect(await inboundRows(plain)).toHaveLength(1);
    const [stop] = await inboundRows(stopSid);
    expect(stop!.options).toMatchObject({ classification: "opt_out" });
    const suppressed = await handle.db
      .select()
      .from(suppressions)
      .where(
        and(eq(suppressions.workspaceId, first), eq(suppressions.addressHash, blindIndex(first, "phone", stopper))),
      );
    expect(suppressed).toHaveLength(1);
    expect(await inboundRows(brokenSid)).toHaveLength(0);
    expect((await waiting()).map((w) => w.id)).toEqual([broken!.id]);
    // It stays for later without blocking the texts behind it.
    const after = await store(newPhone(), "Behind the broken one", new Date(clock0.getTime() + 2000));
    expect(await applyStoredInboundTexts({ ctx: ctx() })).toBe(1);
    expect(await inboundRows(after)).toHaveLength(1);
    await handle.db.delete(webhookEvents).where(eq(webhookEvents.id, broken!.id));
  });
});
