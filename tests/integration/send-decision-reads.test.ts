import { and, desc, eq, gt, inArray } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { consentStates, contacts, messages, suppressions } from "@/db/schema";
import { blindIndex } from "@/server/lib/crypto";
import { CAP_COUNTED_STATUSES } from "@/server/shared/enums";
import { inTransaction } from "@/server/services/context";
import { lockAndRead, type PendingSends } from "@/server/services/messages/record-steps";
import { getSendContext } from "@/server/services/messages/send-context";
import { suppressAddress } from "@/server/services/suppressions/suppress-address";
import { countStatements } from "@/tests/helpers/db";
import { rest } from "@/tests/helpers/http";
import { startSendHarness, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

/**
 * The decision's reads as ONE statement (`send_decision_reads`, migration 0034): the rows it
 * answers are the rows the query builder reads (so every blocked reason is decided on the same
 * facts as before), and a send runs the statements counted below.
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.settle();
});

const send = (body: Record<string, unknown>) => rest("POST", "/messages/send_with_consent", { key: h.key, body });

/** The reads as the query builder made them before the one-statement function. */
async function referenceReads(contactIds: string[], topicIds: string[], keys: string[], windowStart: Date) {
  const db = h.handle.db;
  const ws = h.workspaceId;
  return {
    earlier: await db
      .select()
      .from(messages)
      .where(and(eq(messages.workspaceId, ws), inArray(messages.idempotencyKey, keys))),
    contacts: await db
      .select()
      .from(contacts)
      .where(and(eq(contacts.workspaceId, ws), inArray(contacts.id, contactIds))),
    consents: await db
      .select()
      .from(consentStates)
      .where(
        and(
          eq(consentStates.workspaceId, ws),
          inArray(consentStates.contactId, contactIds),
          inArray(consentStates.topicId, topicIds),
        ),
      ),
    recent: await db
      .select({ contactId: messages.contactId, at: messages.createdAt, channel: messages.channel })
      .from(messages)
      .where(
        and(
          eq(messages.workspaceId, ws),
          inArray(messages.contactId, contactIds),
          eq(messages.direction, "outbound"),
          gt(messages.createdAt, windowStart),
          inArray(messages.status, [...CAP_COUNTED_STATUSES]),
        ),
      )
      .orderBy(desc(messages.createdAt)),
    suppressions: await db
      .select({ channel: suppressions.channel, hash: suppressions.addressHash, reason: suppressions.reason })
      .from(suppressions)
      .where(eq(suppressions.workspaceId, ws)),
  };
}

const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));

describe("send_decision_reads", () => {
  it("answers the same rows as the query builder: contacts opted in, opted out, suppressed, erased, without a phone, with recent sends and an earlier key", async () => {
    const optedIn = await h.contact({ email: uniqueEmail(), phone: uniquePhone() });
    await h.optIn(optedIn, "email", "news");
    const optedOut = await h.contact({ email: uniqueEmail() });
    await h.optIn(optedOut, "email", "news");
    await h.optOut(optedOut, "email", "news");
    const suppressedEmail = uniqueEmail();
    const suppressed = await h.contact({ email: suppressedEmail });
    await h.optIn(suppressed, "email", "news");
    await suppressAddress({
      ctx: h.ctx(),
      input: {
        channel: "email",
        addressHash: blindIndex(h.workspaceId, "email", suppressedEmail),
        reason: "complaint",
        source: "test",
      },
    });
    const erased = await h.contact({ email: uniqueEmail() });
    await h.optIn(erased, "email", "news");
    await h.handle.db
      .update(contacts)
      .set({ erasedAt: new Date(), emailCiphertext: null })
      .where(eq(contacts.id, erased));
    const noConsent = await h.contact({ email: uniqueEmail() });
    const first = await send({
      contactId: optedIn,
      channel: "email",
      topic: "news",
      content: { subject: "s", text: "t" },
      idempotencyKey: "reads-earlier",
    });
    expect(first.body.status).toBe("queued");
    await h.settle();

    const ids = [optedIn, optedOut, suppressed, erased, noConsent];
    const ctx = h.ctx();
    const context = await getSendContext(ctx.db, ctx.workspaceId, { fresh: true });
    const topic = context.topicsByKey.get("news")!;
    const requests = ids.map((contactId, i) => ({
      recipient: { contactId },
      channel: "email" as const,
      topicKey: "news",
      kind: "marketing" as const,
      source: { content: { subject: "s", text: "t" } },
      variables: {},
      idempotencyKey: i === 0 ? "reads-earlier" : null,
      requestHash: null,
    }));
    const state = await inTransaction(ctx.db, (tx) =>
      lockAndRead({
        tx,
        ctx,
        workspace: { ...context },
        requests,
        pending: ids.map((_, i) => i),
        recipients: ids.map((contactId) => ({ contactId })),
        topicByKey: context.topicsByKey,
        outcomes: [],
        batchId: null,
      } as unknown as PendingSends),
    );
    const reference = await referenceReads(ids, [topic.id], ["reads-earlier"], new Date(Date.now() - 86_400_000));

    expect(byId([...state.contactById.values()])).toEqual(byId(reference.contacts));
    expect([...state.consentOf.values()].sort((a, b) => a.contactId.localeCompare(b.contactId))).toEqual(
      [...reference.consents].sort((a, b) => a.contactId.localeCompare(b.contactId)),
    );
    expect([...state.earlier.values()]).toEqual(reference.earlier);
    expect(state.earlier.get("reads-earlier")!.id).toBe(first.body.messageId);
    expect(state.recentOf.get(optedIn)!.map((r) => r.at)).toEqual(
      reference.recent.filter((r) => r.contactId === optedIn).map((r) => r.at),
    );
    expect(state.recentOf.has(optedOut)).toBe(false);
    expect([...state.suppressionOf]).toEqual(reference.suppressions.map((s) => [`${s.channel}|${s.hash}`, s.reason]));
    // The consent rows carry what the decision's proof stores: status, source, event, time.
    const proof = state.consentOf.get(`${optedIn}|email|${topic.id}`)!;
    expect(proof.status).toBe("opted_in");
    expect(proof.occurredAt).toBeInstanceOf(Date);
  });

  it("each blocked reason answers as before, and an opt-out committed a moment before the send is seen", async () => {
    const cases: [string, () => Promise<string>][] = [
      ["no_consent", () => h.contact({ email: uniqueEmail() })],
      [
        "opted_out",
        async () => {
          const id = await h.contact({ email: uniqueEmail() });
          await h.optIn(id, "email", "news");
          await h.optOut(id, "email", "news");
          return id;
        },
      ],
      [
        "suppressed",
        async () => {
          const email = uniqueEmail();
          const id = await h.contact({ email });
          await h.optIn(id, "email", "news");
          await suppressAddress({
            ctx: h.ctx(),
            input: {
              channel: "email",
              addressHash: blindIndex(h.workspaceId, "email", email),
              reason: "hard_bounce",
              source: "test",
            },
          });
          return id;
        },
      ],
      [
        "erased",
        async () => {
          const id = await h.contact({ email: uniqueEmail() });
          await h.optIn(id, "email", "news");
          await h.handle.db.update(contacts).set({ erasedAt: new Date() }).where(eq(contacts.id, id));
          return id;
        },
      ],
    ];
    for (const [reason, make] of cases) {
      const contactId = await make();
      const res = await send({ contactId, channel: "email", topic: "news", content: { subject: "s", text: "t" } });
      expect(res.body, reason).toEqual({ messageId: expect.any(String), status: "blocked", reason });
      const row = await h.message(res.body.messageId as string);
      expect(row.decision?.reason).toBe(reason);
    }
    const sms = await h.contact({ email: uniqueEmail() });
    await h.optIn(sms, "sms", "news");
    const noPhone = await send({ contactId: sms, channel: "sms", topic: "news", content: { text: "t" } });
    expect(noPhone.body).toMatchObject({ status: "blocked", reason: "invalid_address" });
  });
});

describe("statements per send", () => {
  it("a send to a known contact runs three statements until its answer: the key, the decision's reads, the insert", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    await h.optIn(contactId, "email", "news");
    // A first send warms what a busy key has warm: its last-used time and the send context.
    await send({ contactId, channel: "email", topic: "news", content: { subject: "warm", text: "up" } });
    await h.settle();
    const counter = countStatements(h.handle.db);
    const res = await send({
      contactId,
      channel: "email",
      topic: "news",
      content: { subject: "Hello", text: "Hello {{ contact.first_name | default: 'there' }}" },
      idempotencyKey: `count-${contactId}`,
    });
    // The send context (workspace and topics) is cached for a second: on a slow run it may be
    // read again, which is not the send's own work.
    const statements = counter.stop().filter((s) => !/^select .* from "(workspaces|topics)"/.test(s));
    expect(res.body.status).toBe("queued");
    expect(statements).toHaveLength(3);
    expect(statements[0]).toContain('from "api_keys"');
    expect(statements[1]).toContain("send_decision_reads");
    expect(statements[2]).toMatch(/^with inserted as/);
  });
});
