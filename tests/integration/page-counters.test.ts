import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import type { MessageStatus } from "@/db/schema";
import { fixedClock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import type { ServiceContext } from "@/server/services/context";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { eraseContact, listContacts, listContactTags, updateContact, upsertContact } from "@/server/services/contacts";
import { COUNT_CAP, foldCounterDeltas } from "@/server/services/counters";
import { createImport } from "@/server/services/imports/create-import";
import { runImport } from "@/server/services/imports/run-import";
import { browseMessages } from "@/server/services/messages";
import { applyMessageStatus } from "@/server/services/messages/status";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createMember, createWorkspace } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { createTestDb } from "@/tests/helpers/db";

let handle: DbHandle;
let workspaceId: string;
let otherWorkspaceId: string;
let ctx: ServiceContext;
let other: ServiceContext;
const clock = fixedClock("2026-06-01T12:00:00Z");
const evidence = { ip: "203.0.113.9", text: "Yes, send me the newsletter." };

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  const ows = await createWorkspace(handle.db, { defaultRegion: "US" });
  workspaceId = ws.id;
  otherWorkspaceId = ows.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  await ensureDefaultTopics(handle.db, ows.id, new Date());
  ctx = { ...(await createMember(handle.db, ws.id, "admin")).ctx, now: clock };
  other = { ...(await createMember(handle.db, ows.id, "admin")).ctx, now: clock };
});
afterAll(async () => {
  await closeDb();
});

async function one(text: string, params: unknown[]): Promise<number> {
  const [row] = await handle.queryRows<{ n: number | string }>(text, params);
  return Number(row!.n);
}

/** Every count the pages show, beside the same count by `count(*)`. */
async function shownAndCounted(ws: ServiceContext) {
  const [topic] = await handle.queryRows<{ id: string }>(
    "select id from topics where workspace_id = $1 and key = 'newsletter'",
    [ws.workspaceId],
  );
  const shown: Record<string, number> = {};
  const counted: Record<string, number> = {};
  shown.contacts = (await listContacts({ ctx: ws, input: {} })).total!;
  counted.contacts = await one("select count(*) as n from contacts where workspace_id = $1", [ws.workspaceId]);
  for (const status of ["opted_in", "opted_out", "pending", "none"] as const) {
    shown[`newsletter:email:${status}`] = (
      await listContacts({ ctx: ws, input: { consent: { topic: "newsletter", channel: "email", status } } })
    ).total!;
    counted[`newsletter:email:${status}`] = await one(
      `select count(*) as n from contacts c where c.workspace_id = $1 and ${status === "none" ? "not" : ""} exists (
         select 1 from consent_states s where s.workspace_id = c.workspace_id and s.contact_id = c.id
            and s.topic_id = $2 and s.channel = 'email' ${status === "none" ? "" : `and s.status = '${status}'`})`,
      [ws.workspaceId, topic!.id],
    );
  }
  for (const { tag, count } of await listContactTags({ ctx: ws })) shown[`tag:${tag}`] = count;
  for (const row of await handle.queryRows<{ tag: string; n: string | number }>(
    `select t as tag, count(*) as n from contacts, lateral (select distinct unnest(tags) as t) u
      where workspace_id = $1 group by t`,
    [ws.workspaceId],
  ))
    counted[`tag:${row.tag}`] = Number(row.n);
  for (const tag of ["vip", "lead"]) {
    shown[`filter:${tag}`] = (await listContacts({ ctx: ws, input: { tag } })).total!;
    counted[`filter:${tag}`] = await one(
      "select count(*) as n from contacts where workspace_id = $1 and tags @> array[$2::text]",
      [ws.workspaceId, tag],
    );
  }
  const page = await browseMessages({ ctx: ws, input: {} });
  shown.messages = page.total!;
  for (const [status, n] of Object.entries(page.statusCounts!)) shown[`messages:${status}`] = n;
  counted.messages = 0;
  for (const row of await handle.queryRows<{ status: string; n: string | number }>(
    "select status, count(*) as n from messages where workspace_id = $1 group by status",
    [ws.workspaceId],
  )) {
    counted[`messages:${row.status}`] = Number(row.n);
    counted.messages += Number(row.n);
  }
  return { shown, counted };
}

async function expectExact(ws: ServiceContext) {
  const { shown, counted } = await shownAndCounted(ws);
  expect(shown).toEqual(counted);
  // The same after the fold moved the deltas into the totals.
  await foldCounterDeltas({ ctx: { db: handle.db, now: clock } });
  expect(await handle.queryRows("select 1 from counter_deltas")).toHaveLength(0);
  const after = await shownAndCounted(ws);
  expect(after.shown).toEqual(after.counted);
  return after.shown;
}

describe("page counters", () => {
  it("stay exact through contact, tag, consent, import, erasure and message changes", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { contact } = await upsertContact({
        ctx,
        input: { email: `p${i}@example.com`, tags: i % 3 === 0 ? ["vip", "lead"] : ["lead"] },
      });
      ids.push(contact.id);
      if (i % 2 === 0)
        await recordConsentChange({
          ctx,
          input: {
            contactId: contact.id,
            channel: "email",
            topicKey: "newsletter",
            action: "opted_in",
            source: "form",
            evidence,
          },
        });
    }
    // Another workspace's rows never count here.
    await upsertContact({ ctx: other, input: { email: "elsewhere@example.com", tags: ["vip"] } });
    let shown = await expectExact(ctx);
    expect(shown).toMatchObject({ contacts: 12, "tag:vip": 4, "tag:lead": 12, "newsletter:email:opted_in": 6 });

    // Tag add/remove (update replaces the list; upsert adds), an address change, consent moves.
    await updateContact({ ctx, input: { id: ids[0]!, tags: ["lead"] } });
    await updateContact({ ctx, input: { id: ids[1]!, tags: ["lead", "vip", "new"] } });
    await upsertContact({ ctx, input: { email: "p2@example.com", tags: ["new"] } });
    await updateContact({ ctx, input: { id: ids[3]!, firstName: "Dora" } });
    await recordConsentChange({
      ctx,
      input: { contactId: ids[0]!, channel: "email", topicKey: "newsletter", action: "opted_out", source: "admin" },
    });
    await recordConsentChange({
      ctx,
      input: { contactId: ids[1]!, channel: "email", topicKey: "newsletter", action: "opted_out", source: "admin" },
    });
    shown = await expectExact(ctx);
    expect(shown).toMatchObject({ "tag:vip": 4, "tag:new": 2, "newsletter:email:opted_out": 2 });

    // An import: new and existing contacts, tags merged, consent recorded.
    const created = await createImport({
      ctx,
      input: {
        filename: "list.csv",
        mapping: { email: "Email", tags: "tags", consentStatus: "consent", consentAt: "consent_at" },
        topicKeys: ["newsletter"],
        channels: ["email"],
      },
    });
    const csv =
      "Email,tags,consent,consent_at\n" +
      "p4@example.com,vip;imported,yes,2026-05-01T10:00:00Z\n" +
      "p5@example.com,imported,no,2026-05-01T10:00:00Z\n" +
      "q1@example.com,imported,yes,2026-05-01T10:00:00Z\n" +
      "q2@example.com,,,\n";
    async function* source() {
      yield Buffer.from(csv);
    }
    const result = await runImport({ ctx, input: { importId: created.id, source: source() } });
    expect(result.status).toBe("completed");
    shown = await expectExact(ctx);
    expect(shown).toMatchObject({ contacts: 14, "tag:imported": 3 });

    // Erasure empties the tags; the contact row (and its consent facts) stay.
    await eraseContact({ ctx, input: { id: ids[6]! } });
    // A deleted contact takes its consent states along (consent_states has no foreign key).
    await handle.queryRows("delete from consent_states where contact_id = $1", [ids[8]]);
    await handle.queryRows("delete from contacts where id = $1", [ids[8]]);
    shown = await expectExact(ctx);
    expect(shown).toMatchObject({ contacts: 13, "tag:vip": 4 });

    // Messages: inserts, status moves (forward only), deletes.
    const messageIds: string[] = [];
    for (const [i, status] of (["queued", "sending", "sent", "sent", "failed"] as MessageStatus[]).entries()) {
      const message = await createMessage(handle.db, {
        workspaceId,
        contactId: ids[i],
        status,
        address: `p${i}@example.com`,
      });
      messageIds.push(message.id);
    }
    await createMessage(handle.db, { workspaceId: otherWorkspaceId, status: "sent", address: "elsewhere@example.com" });
    await applyMessageStatus(handle.db, {
      workspaceId,
      messageId: messageIds[2]!,
      status: "delivered",
      occurredAt: clock(),
      source: "webhook",
    });
    await applyMessageStatus(handle.db, {
      workspaceId,
      messageId: messageIds[2]!,
      status: "delivered",
      occurredAt: clock(),
      source: "webhook",
    });
    await handle.db.execute(sql`update messages set status = 'bounced' where id = ${messageIds[3]!}::uuid`);
    await handle.db.execute(sql`update messages set attempts = attempts + 1 where workspace_id = ${workspaceId}::uuid`);
    await handle.db.execute(sql`delete from messages where id = ${messageIds[4]!}::uuid`);
    shown = await expectExact(ctx);
    expect(shown).toMatchObject({
      messages: 4,
      "messages:queued": 1,
      "messages:sending": 1,
      "messages:delivered": 1,
      "messages:bounced": 1,
    });
    await expectExact(other);
  });

  it("never recounts on later pages, and caps filtered counts no counter holds", async () => {
    for (let i = 0; i < 60; i++) await upsertContact({ ctx, input: { email: `many${i}@example.com`, tags: ["many"] } });
    const first = await listContacts({ ctx, input: { tag: "many" } });
    expect(first).toMatchObject({ total: 60, totalCapped: false });
    const next = await listContacts({ ctx, input: { tag: "many", cursor: first.nextCursor! } });
    expect(next.items).toHaveLength(10);
    expect(next.total).toBeNull();
    // A filter without a counter (tag + date range) is counted exactly below the cap.
    const ranged = await listContacts({ ctx, input: { tag: "many", createdFrom: new Date(0) } });
    expect(ranged).toMatchObject({ total: 60, totalCapped: false });
    expect(COUNT_CAP).toBe(10_000);

    const messages = await browseMessages({ ctx, input: { limit: 2 } });
    const more = await browseMessages({ ctx, input: { limit: 2, cursor: messages.nextCursor! } });
    expect(messages.total).toBe(4);
    expect(more).toMatchObject({ total: null, statusCounts: null });
    const filtered = await browseMessages({ ctx, input: { channel: "email" } });
    expect(filtered).toMatchObject({ total: 4, totalCapped: false });
  });
});
