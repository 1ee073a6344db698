import { randomBytes, randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, consentEvents, contacts, SUPPRESSION_ADDRESS_PURPOSE, suppressions, topics } from "@/db/schema";
import { emailLookupKey } from "@/server/lib/addresses";
import { blindIndex, ciphertextKeyId, decryptPii, keyRingFrom } from "@/server/lib/crypto";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { getSecrets } from "@/server/lib/secrets";
import {
  addSuppression,
  getSuppressionReport,
  listSuppressions,
  reencryptSuppressions,
  removeSuppression,
  suppressAddress,
} from "@/server/services/suppressions";
import { createApiKeyFor, createMember, createWorkspace, systemContext } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { rest } from "@/tests/helpers/http";

/**
 * The suppression list and the opt-out report on a real database (PGlite, or PostgreSQL with
 * TEST_DATABASE_URL): exact lookup through the blind index, filters and pages, manual adds
 * (idempotent, audited, validated), removal (audited, never for `erased`), the report against an
 * independent count, the REST routes and the CSV export.
 */

vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/server/auth", () => ({ auth: async () => null }));

/** "Now": 2026-03-20 11:00 in New York (UTC−4). */
const NOW = new Date("2026-03-20T15:00:00Z");
const ZONE = "America/New_York";

let handle: DbHandle;
let ws: string;
let other: string;
const ctx = () => systemContext(handle.db, ws, () => NOW);
let topicId: string;
let contactId: string;

const emailHash = (workspaceId: string, email: string) => blindIndex(workspaceId, "email", emailLookupKey(email));

async function insertSuppression(values: {
  workspaceId?: string;
  channel?: "email" | "sms";
  hash?: string;
  reason: "hard_bounce" | "complaint" | "sms_stop" | "provider_opt_out" | "manual" | "erased";
  at: string;
}) {
  const [row] = await handle.db
    .insert(suppressions)
    .values({
      workspaceId: values.workspaceId ?? ws,
      channel: values.channel ?? "email",
      addressHash: values.hash ?? randomUUID(),
      reason: values.reason,
      source: "test",
      createdAt: new Date(values.at),
    })
    .returning({ id: suppressions.id });
  return row!.id;
}

async function optOut(at: string, channel: "email" | "sms" = "email", source: "api" | "one_click" = "one_click") {
  await handle.db.insert(consentEvents).values({
    workspaceId: ws,
    contactId,
    channel,
    topicId,
    action: "opted_out",
    source,
    actorType: "system",
    occurredAt: new Date(at),
  });
}

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  ws = (await createWorkspace(handle.db, { settings: { messaging: { timezone: ZONE } } })).id;
  other = (await createWorkspace(handle.db, { settings: { messaging: { timezone: ZONE } } })).id;
  const [topic] = await handle.db
    .insert(topics)
    .values({ workspaceId: ws, key: "news", name: "News", channels: ["email", "sms"], kind: "marketing" })
    .returning({ id: topics.id });
  topicId = topic!.id;
  const [person] = await handle.db.insert(contacts).values({ workspaceId: ws }).returning({ id: contacts.id });
  contactId = person!.id;
});

afterAll(async () => {
  await closeDb();
});

describe("lookup by address", () => {
  it("finds an address written another way through the blind index, and not a different address", async () => {
    await suppressAddress({
      ctx: ctx(),
      input: {
        channel: "email",
        addressHash: emailHash(ws, "Look.Up@example.com"),
        address: "Look.Up@example.com",
        reason: "hard_bounce",
        source: "resend",
      },
    });
    const found = await listSuppressions({ ctx: ctx(), input: { address: "  look.up@EXAMPLE.com " } });
    expect(found.items).toHaveLength(1);
    expect(found.items[0]).toMatchObject({ channel: "email", reason: "hard_bounce", address: "L•••@example.com" });
    const missing = await listSuppressions({ ctx: ctx(), input: { address: "look.up2@example.com" } });
    expect(missing.items).toHaveLength(0);
    // The same address in another workspace is another blind index.
    const elsewhere = await listSuppressions({
      ctx: systemContext(handle.db, other, () => NOW),
      input: { address: "look.up@example.com" },
    });
    expect(elsewhere.items).toHaveLength(0);
  });

  it("refuses a malformed address, naming the field", async () => {
    await expect(listSuppressions({ ctx: ctx(), input: { address: "not an address@" } })).rejects.toMatchObject({
      code: "INVALID",
      field: "address",
    });
  });
});

describe("filters and pages", () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    ids = {
      a: await insertSuppression({ reason: "complaint", at: "2026-02-01T12:00:00Z" }),
      b: await insertSuppression({ reason: "complaint", channel: "sms", at: "2026-02-02T12:00:00Z" }),
      // 23:30 in New York on 3 Feb = 04:30 UTC on 4 Feb: a day filter reads the workspace's zone.
      c: await insertSuppression({ reason: "sms_stop", channel: "sms", at: "2026-02-04T04:30:00Z" }),
      d: await insertSuppression({ reason: "complaint", workspaceId: other, at: "2026-02-02T12:00:00Z" }),
    };
  });

  it("filters by reason, channel and days in the workspace's zone", async () => {
    const byReason = await listSuppressions({ ctx: ctx(), input: { reason: "complaint" } });
    expect(byReason.items.map((s) => s.id).sort()).toEqual([ids.a, ids.b].sort());
    const bySms = await listSuppressions({ ctx: ctx(), input: { channel: "sms", reason: "complaint" } });
    expect(bySms.items.map((s) => s.id)).toEqual([ids.b]);
    const feb3 = await listSuppressions({ ctx: ctx(), input: { from: "2026-02-03", to: "2026-02-03" } });
    expect(feb3.items.map((s) => s.id)).toEqual([ids.c]);
    const early = await listSuppressions({ ctx: ctx(), input: { to: "2026-02-02" } });
    expect(early.items.map((s) => s.id).sort()).toEqual([ids.a, ids.b].sort());
  });

  it("pages newest first with a cursor, every row once", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await listSuppressions({ ctx: ctx(), input: { limit: 1, cursor, to: "2026-02-28" } });
      seen.push(...page.items.map((s) => s.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([ids.c, ids.b, ids.a]);
  });

  it("refuses a bad cursor and a reversed range with 400s naming the field", async () => {
    await expect(listSuppressions({ ctx: ctx(), input: { cursor: "nope" } })).rejects.toMatchObject({
      field: "cursor",
    });
    await expect(
      listSuppressions({ ctx: ctx(), input: { from: "2026-02-05", to: "2026-02-01" } }),
    ).rejects.toMatchObject({ field: "from" });
  });
});

describe("add and remove", () => {
  it("adds by hand once (idempotent), audited without the address, and records who added it", async () => {
    const { ctx: marketer, user } = await createMember(handle.db, ws, "marketer");
    const first = await addSuppression({
      ctx: marketer,
      input: { address: "(415) 555-2671", channel: "sms", note: "asked by phone" },
    });
    expect(first.created).toBe(true);
    expect(first.suppression).toMatchObject({
      channel: "sms",
      reason: "manual",
      source: "manual",
      note: "asked by phone",
      address: "+1 ••• ••• 2671",
      removable: true,
    });
    expect(first.suppression.createdBy).toBe(user.name?.trim() || user.email);
    const again = await addSuppression({ ctx: marketer, input: { address: "+1 415 555 2671", channel: "sms" } });
    expect(again).toMatchObject({ created: false, suppression: { id: first.suppression.id, note: "asked by phone" } });
    const rows = await handle.db
      .select()
      .from(suppressions)
      .where(
        and(eq(suppressions.workspaceId, ws), eq(suppressions.addressHash, blindIndex(ws, "phone", "+14155552671"))),
      );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.addressCiphertext).not.toContain("2671");
    const audits = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws), eq(auditLog.targetId, first.suppression.id)));
    expect(audits.map((a) => a.action)).toEqual(["suppression.added"]);
    expect(JSON.stringify(audits)).not.toContain("2671");
  });

  it("refuses an invalid address or an address of the other channel, naming `address`, and writes nothing", async () => {
    const { ctx: marketer } = await createMember(handle.db, ws, "marketer");
    const before = await handle.db.select().from(suppressions).where(eq(suppressions.workspaceId, ws));
    await expect(addSuppression({ ctx: marketer, input: { address: "ann@", channel: "email" } })).rejects.toMatchObject(
      { code: "INVALID", field: "address" },
    );
    await expect(
      addSuppression({ ctx: marketer, input: { address: "ann@example.com", channel: "sms" } }),
    ).rejects.toMatchObject({ code: "INVALID", field: "address" });
    const after = await handle.db.select().from(suppressions).where(eq(suppressions.workspaceId, ws));
    expect(after).toHaveLength(before.length);
  });

  it("viewers may look but not change the list", async () => {
    const { ctx: viewer } = await createMember(handle.db, ws, "viewer");
    await expect(listSuppressions({ ctx: viewer, input: {} })).resolves.toBeTruthy();
    await expect(
      addSuppression({ ctx: viewer, input: { address: "v@example.com", channel: "email" } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("removes with an audit entry, and the address is no longer suppressed", async () => {
    const { ctx: marketer } = await createMember(handle.db, ws, "marketer");
    const { suppression } = await addSuppression({
      ctx: marketer,
      input: { address: "gone@example.com", channel: "email" },
    });
    await removeSuppression({ ctx: marketer, input: { id: suppression.id } });
    const found = await listSuppressions({ ctx: ctx(), input: { address: "gone@example.com" } });
    expect(found.items).toHaveLength(0);
    const audits = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws), eq(auditLog.targetId, suppression.id)));
    expect(audits.map((a) => a.action).sort()).toEqual(["suppression.added", "suppression.removed"]);
    const removed = audits.find((a) => a.action === "suppression.removed")!;
    expect(removed.before).toMatchObject({ channel: "email", reason: "manual" });
    await expect(removeSuppression({ ctx: marketer, input: { id: suppression.id } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("never removes an `erased` suppression (409), and lists it as not removable", async () => {
    const id = await insertSuppression({ reason: "erased", at: "2026-01-05T12:00:00Z" });
    await expect(removeSuppression({ ctx: ctx(), input: { id } })).rejects.toMatchObject({ code: "CONFLICT" });
    const [row] = await handle.db.select().from(suppressions).where(eq(suppressions.id, id));
    expect(row).toBeTruthy();
    const listed = await listSuppressions({ ctx: ctx(), input: { reason: "erased" } });
    expect(listed.items.find((s) => s.id === id)?.removable).toBe(false);
  });
});

describe("opt-out report", () => {
  const FROM = "2026-03-10";
  const TO = "2026-03-12";
  beforeAll(async () => {
    await optOut("2026-03-10T15:00:00Z");
    await optOut("2026-03-10T16:00:00Z", "sms", "api");
    // 22:00 on 11 March in New York (02:00 UTC on the 12th).
    await optOut("2026-03-12T02:00:00Z");
    await optOut("2026-03-09T12:00:00Z"); // before the range
    await insertSuppression({ reason: "hard_bounce", at: "2026-03-11T15:00:00Z" });
    await insertSuppression({ reason: "sms_stop", channel: "sms", at: "2026-03-11T16:00:00Z" });
    await insertSuppression({ reason: "hard_bounce", at: "2026-03-13T05:00:00Z" }); // after the range
    await insertSuppression({ reason: "hard_bounce", workspaceId: other, at: "2026-03-11T15:00:00Z" });
  });

  it("counts per day what an independent count over explicit instants finds", async () => {
    const report = await getSuppressionReport({ ctx: ctx(), input: { from: FROM, to: TO } });
    // Midnight in New York (EDT, UTC−4) written out: 10 March 04:00 UTC to 13 March 04:00 UTC.
    const start = new Date("2026-03-10T04:00:00Z");
    const end = new Date("2026-03-13T04:00:00Z");
    const events = await handle.db.select().from(consentEvents).where(eq(consentEvents.workspaceId, ws));
    const expectedOuts = events.filter(
      (e) => e.action === "opted_out" && e.occurredAt >= start && e.occurredAt < end,
    ).length;
    const rows = await handle.db.select().from(suppressions).where(eq(suppressions.workspaceId, ws));
    const expectedSuppressions = rows.filter((s) => s.createdAt >= start && s.createdAt < end).length;
    expect(report.totals).toEqual({ optOuts: expectedOuts, suppressions: expectedSuppressions });
    expect(report.totals).toEqual({ optOuts: 3, suppressions: 2 });
    expect(report.days).toEqual([
      { day: "2026-03-10", optOuts: 2, suppressions: 0 },
      { day: "2026-03-11", optOuts: 1, suppressions: 2 },
      { day: "2026-03-12", optOuts: 0, suppressions: 0 },
    ]);
    expect(report.optOuts).toContainEqual({
      day: "2026-03-10",
      channel: "sms",
      topic: "news",
      topicName: "News",
      source: "api",
      count: 1,
    });
    expect(report.suppressions).toEqual([
      { day: "2026-03-11", channel: "email", reason: "hard_bounce", count: 1 },
      { day: "2026-03-11", channel: "sms", reason: "sms_stop", count: 1 },
    ]);
    const sms = await getSuppressionReport({ ctx: ctx(), input: { from: FROM, to: TO, channel: "sms" } });
    expect(sms.totals).toEqual({ optOuts: 1, suppressions: 1 });
  });

  it("refuses a bad range with 400 naming the field", async () => {
    await expect(
      getSuppressionReport({ ctx: ctx(), input: { from: "2026-03-12", to: "2026-03-01" } }),
    ).rejects.toMatchObject({
      code: "INVALID",
    });
    await expect(getSuppressionReport({ ctx: ctx(), input: { from: "12/03/2026" } })).rejects.toMatchObject({
      field: "from",
    });
  });

  it("exports the same numbers as CSV through the route handler", async () => {
    const { secret } = await createApiKeyFor(handle.db, ws, ["contacts:read"]);
    const { GET } = await import("@/app/api/suppressions/report.csv/route");
    const response = await GET(
      new Request(`http://localhost:3000/api/suppressions/report.csv?from=${FROM}&to=${TO}`, {
        headers: { authorization: `Bearer ${secret}` },
      }),
    );
    expect(response.status).toBe(200);
    const lines = (await response.text()).trim().split("\r\n");
    expect(lines[0]).toBe("day,kind,channel,topic,source_or_reason,count");
    expect(lines).toContain("2026-03-11,suppression,sms,,sms_stop,1");
    const total = lines.slice(1).reduce((n, line) => n + Number(line.split(",").at(-1)), 0);
    expect(total).toBe(5);
  });
});

describe("REST", () => {
  it("answers 401 without a key, 403 without the scope, 400 naming the field, 404 across workspaces, 409 for erased", async () => {
    const reader = await createApiKeyFor(handle.db, ws, ["contacts:read"]);
    const writer = await createApiKeyFor(handle.db, ws, ["contacts:write"]);
    expect((await rest("GET", "/suppressions")).status).toBe(401);
    expect((await rest("GET", "/suppressions", { key: writer.secret })).status).toBe(403);
    expect(
      (
        await rest("POST", "/suppressions", {
          key: reader.secret,
          body: { address: "r@example.com", channel: "email" },
        })
      ).status,
    ).toBe(403);

    const bad = await rest("POST", "/suppressions", {
      key: writer.secret,
      body: { address: "nope", channel: "email" },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("address");

    const created = await rest("POST", "/suppressions", {
      key: writer.secret,
      body: { address: "Rest@Example.com", channel: "email", note: "by API" },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      created: true,
      suppression: { reason: "manual", address: "R•••@example.com" },
    });
    const again = await rest("POST", "/suppressions", {
      key: writer.secret,
      body: { address: "rest@example.com", channel: "email" },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, suppression: { id: created.body.suppression.id } });

    const found = await rest("GET", `/suppressions?address=${encodeURIComponent("rest@example.COM")}`, {
      key: reader.secret,
    });
    expect(found.status).toBe(200);
    expect(found.body.items.map((s: { id: string }) => s.id)).toEqual([created.body.suppression.id]);
    expect((await rest("GET", "/suppressions?reason=nope", { key: reader.secret })).status).toBe(400);
    const report = await rest("GET", "/suppressions/report?from=2026-03-10&to=2026-03-12", { key: reader.secret });
    expect(report.status).toBe(200);
    expect(report.body.totals.optOuts).toBe(3);

    const otherKey = await createApiKeyFor(handle.db, other, ["contacts:write"]);
    expect(
      (await rest("DELETE", `/suppressions/${created.body.suppression.id}`, { key: otherKey.secret })).status,
    ).toBe(404);
    const erased = await insertSuppression({ reason: "erased", at: "2026-01-06T12:00:00Z" });
    const refused = await rest("DELETE", `/suppressions/${erased}`, { key: writer.secret });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/erased/);
    const removed = await rest("DELETE", `/suppressions/${created.body.suppression.id}`, { key: writer.secret });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ id: created.body.suppression.id });
  });
});

// Last: it moves every stored address to a key only this test knows.
describe("key rotation", () => {
  it("re-encrypts stored addresses with the current key, keeping what they decrypt to", async () => {
    const ring = keyRingFrom([{ id: "rotated", key: randomBytes(32) }, ...getSecrets().encryptionKeys]);
    const { suppression } = await addSuppression({
      ctx: ctx(),
      input: { address: "rotate@example.com", channel: "email" },
    });
    const result = await reencryptSuppressions({ ctx: { db: handle.db, now: () => NOW }, input: { ring } });
    expect(result.rewritten).toBeGreaterThan(0);
    const [row] = await handle.db.select().from(suppressions).where(eq(suppressions.id, suppression.id));
    expect(ciphertextKeyId(row!.addressCiphertext!)).toBe("rotated");
    expect(decryptPii(row!.addressCiphertext!, SUPPRESSION_ADDRESS_PURPOSE, ring)).toBe("rotate@example.com");
    expect(await reencryptSuppressions({ ctx: { db: handle.db, now: () => NOW }, input: { ring } })).toEqual({
      rewritten: 0,
    });
  });
});
