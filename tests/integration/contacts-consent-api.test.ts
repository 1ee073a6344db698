import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { ensureDefaultTopics } from "@/server/services/topics";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { fixedClock } from "@/server/lib/clock";
import { createApiKeyFor, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { rest } from "@/tests/helpers/http";

let handle: DbHandle;
let key: string;
let readOnly: string;
let otherKey: string;
let workspaceId: string;
const evidence = { ip: "203.0.113.9", text: "Yes, send me the newsletter. Unsubscribe any time." };

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  key = (await createApiKeyFor(handle.db, ws.id, ["contacts:read", "contacts:write", "consent:write"])).secret;
  readOnly = (await createApiKeyFor(handle.db, ws.id, ["contacts:read"])).secret;
  const other = await createWorkspace(handle.db);
  await ensureDefaultTopics(handle.db, other.id, new Date());
  otherKey = (await createApiKeyFor(handle.db, other.id, ["admin"])).secret;
});
afterAll(async () => {
  await closeDb();
});

describe("contacts", () => {
  it("the same number in four formats is one contact, stored as E.164", async () => {
    const formats = ["(415) 555-2671", "+1 415 555 2671", "415.555.2671", "+14155552671"];
    const ids = new Set<string>();
    for (const phone of formats) {
      const res = await rest("POST", "/contacts", { key, body: { phone } });
      expect(res.status, phone).toBe(200);
      expect(res.body.phone).toBe("+14155552671");
      ids.add(res.body.id);
    }
    expect(ids.size).toBe(1);
    const found = await rest("GET", `/contacts?phone=${encodeURIComponent("415-555-2671")}`, { key });
    expect(found.body.items).toHaveLength(1);
  });

  it("emails match case-insensitively, keep the local part, lower-case the domain", async () => {
    const a = await rest("POST", "/contacts", { key, body: { email: "  Ann.Lee@Example.COM ", firstName: "Ann" } });
    const b = await rest("POST", "/contacts", {
      key,
      body: { email: "ann.lee@example.com", lastName: "Lee", tags: ["vip"] },
    });
    expect(a.body.id).toBe(b.body.id);
    expect(a.body.email).toBe("Ann.Lee@example.com");
    expect(b.body).toMatchObject({ firstName: "Ann", lastName: "Lee", tags: ["vip"] });
  });

  it("concurrent upserts of one address never make two contacts", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => rest("POST", "/contacts", { key, body: { email: "race@example.com" } })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });

  it("refuses bad input with 400 naming the field and changes nothing", async () => {
    const noAddress = await rest("POST", "/contacts", { key, body: { firstName: "Nobody" } });
    expect(noAddress.status).toBe(400);
    expect(JSON.stringify(noAddress.body)).toContain("email");
    const injection = await rest("POST", "/contacts", { key, body: { email: "a@b.com\r\nBcc: x@y.z" } });
    expect(injection.status).toBe(400);
    expect(injection.body.data?.field ?? JSON.stringify(injection.body)).toContain("email");
    const badPhone = await rest("POST", "/contacts", { key, body: { phone: "12" } });
    expect(badPhone.status).toBe(400);
    const badTz = await rest("POST", "/contacts", { key, body: { email: "tz@example.com", timezone: "Mars/Olympus" } });
    expect(badTz.status).toBe(400);
    expect((await rest("GET", "/contacts?email=tz@example.com", { key })).body.items).toHaveLength(0);
  });

  it("stores no plaintext email, phone or name", async () => {
    await rest("POST", "/contacts", {
      key,
      body: { email: "secret.person@example.org", phone: "+44 20 7946 0958", firstName: "Zelda" },
    });
    const rows = await handle.queryRows<Record<string, unknown>>("select * from contacts");
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain("secret.person");
    expect(dump).not.toContain("+442079460958");
    expect(dump).not.toContain("2079460958");
    expect(dump).not.toContain("Zelda");
  });

  it("another workspace's contact is 404, and a read-only key cannot write (403)", async () => {
    const mine = await rest("POST", "/contacts", { key, body: { email: "mine@example.com" } });
    expect((await rest("GET", `/contacts/${mine.body.id}`, { key: otherKey })).status).toBe(404);
    expect((await rest("GET", `/contacts/${mine.body.id}/consent`, { key: otherKey })).status).toBe(404);
    expect(
      (
        await rest("POST", `/contacts/${mine.body.id}/consent`, {
          key: otherKey,
          body: { channel: "email", status: "opted_out", source: "api" },
        })
      ).status,
    ).toBe(404);
    expect((await rest("POST", "/contacts", { key: readOnly, body: { email: "nope@example.com" } })).status).toBe(403);
    expect((await rest("GET", `/contacts/${mine.body.id}`, { key: readOnly })).status).toBe(200);
  });
});

describe("topics", () => {
  it("a new workspace has default topics; creating one needs the admin scope; keys are unique", async () => {
    const list = await rest("GET", "/topics", { key });
    expect(list.body.items.map((t: { key: string }) => t.key)).toEqual(
      ["account-notices", "newsletter", "promotions"].sort() &&
        expect.arrayContaining(["newsletter", "promotions", "account-notices"]),
    );
    expect(
      (
        await rest("POST", "/topics", {
          key,
          body: { key: "tips", name: "Tips", channels: ["email"], kind: "marketing" },
        })
      ).status,
    ).toBe(403);
    const created = await rest("POST", "/topics", {
      key: otherKey,
      body: { key: "tips", name: "Tips", channels: ["email"], kind: "marketing" },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      key: "tips",
      channels: ["email"],
      kind: "marketing",
      requiresDoubleOptIn: false,
    });
    expect(
      (
        await rest("POST", "/topics", {
          key: otherKey,
          body: { key: "tips", name: "Again", channels: ["email"], kind: "marketing" },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await rest("POST", "/topics", {
          key: otherKey,
          body: { key: "bad key!", name: "x", channels: ["email"], kind: "marketing" },
        })
      ).status,
    ).toBe(400);
  });
});

describe("consent ledger", () => {
  it("an opt-in without evidence is refused with 400; an opt-out needs none", async () => {
    const c = await rest("POST", "/contacts", { key, body: { email: "evidence@example.com" } });
    const bad = await rest("POST", `/contacts/${c.body.id}/consent`, {
      key,
      body: { channel: "email", topic: "newsletter", status: "opted_in", source: "api" },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.issues)).toContain("evidence");
    expect((await rest("GET", `/contacts/${c.body.id}/consent`, { key })).body.states).toEqual([]);
    const out = await rest("POST", `/contacts/${c.body.id}/consent`, {
      key,
      body: { channel: "email", topic: "newsletter", status: "opted_out", source: "api" },
    });
    expect(out.status).toBe(200);
    expect(out.body.states).toEqual([
      expect.objectContaining({ channel: "email", topic: "newsletter", status: "opted_out", source: "api" }),
    ]);
  });

  it("rejects an unknown topic and a topic not offered on the channel", async () => {
    const c = await rest("POST", "/contacts", { key, body: { email: "topics@example.com", phone: "+12025550143" } });
    expect(
      (
        await rest("POST", `/contacts/${c.body.id}/consent`, {
          key,
          body: { channel: "email", topic: "nope", status: "opted_out", source: "api" },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await rest("POST", `/contacts/${c.body.id}/consent`, {
          key,
          body: { channel: "email", topic: "promotions", status: "opted_out", source: "api" },
        })
      ).status,
    ).toBe(400);
  });

  it("?at= answers the state before and after a change", async () => {
    const c = await rest("POST", "/contacts", { key, body: { email: "history@example.com" } });
    const inRes = await rest("POST", `/contacts/${c.body.id}/consent`, {
      key,
      body: { channel: "email", topic: "newsletter", status: "opted_in", source: "form", evidence },
    });
    expect(inRes.body.states[0].status).toBe("opted_in");
    const between = new Date(Date.now() + 5).toISOString();
    await new Promise((r) => setTimeout(r, 30));
    await rest("POST", `/contacts/${c.body.id}/consent`, {
      key,
      body: { channel: "email", topic: "newsletter", status: "opted_out", source: "one_click" },
    });

    const before = await rest(
      "GET",
      `/contacts/${c.body.id}/consent?at=${encodeURIComponent("2000-01-01T00:00:00Z")}`,
      { key },
    );
    expect(before.body.states).toEqual([]);
    const then = await rest("GET", `/contacts/${c.body.id}/consent?at=${encodeURIComponent(between)}`, { key });
    expect(then.body.states).toEqual([
      expect.objectContaining({ topic: "newsletter", status: "opted_in", source: "form" }),
    ]);
    const now = await rest("GET", `/contacts/${c.body.id}/consent`, { key });
    expect(now.body.states).toEqual([
      expect.objectContaining({ topic: "newsletter", status: "opted_out", source: "one_click" }),
    ]);
    expect((await rest("GET", `/contacts/${c.body.id}/consent?at=yesterday`, { key })).status).toBe(400);
  });

  it("an opt-out beats an opt-in that happened before the opt-out was recorded", async () => {
    const c = await rest("POST", "/contacts", { key, body: { email: "race-consent@example.com" } });
    const url = `/contacts/${c.body.id}/consent`;
    const earlier = new Date(Date.now() - 60_000).toISOString();
    await rest("POST", url, {
      key,
      body: { channel: "email", topic: "newsletter", status: "opted_out", source: "one_click" },
    });
    // A form post that was made a minute ago but arrives now: recorded later, happened earlier.
    const late = await rest("POST", url, {
      key,
      body: {
        channel: "email",
        topic: "newsletter",
        status: "opted_in",
        source: "form",
        evidence,
        occurredAt: earlier,
      },
    });
    expect(late.status).toBe(200);
    expect(late.body.states[0].status).toBe("opted_out");

    // Concurrent: an opt-in and an opt-out made at the same instant, recorded in either order.
    const clock = fixedClock(new Date(Date.now() + 60_000));
    const ctx = { db: handle.db, workspaceId, actor: { type: "system" as const }, now: clock };
    for (let round = 0; round < 5; round++) {
      clock.advance(1_000);
      await Promise.all([
        recordConsentChange({
          ctx,
          input: {
            contactId: c.body.id,
            channel: "email",
            topicKey: "newsletter",
            action: "opted_in",
            source: "form",
            evidence,
          },
        }),
        recordConsentChange({
          ctx,
          input: {
            contactId: c.body.id,
            channel: "email",
            topicKey: "newsletter",
            action: "opted_out",
            source: "one_click",
          },
        }),
      ]);
      const states = (await rest("GET", url, { key })).body.states;
      expect(states[0].status).toBe("opted_out");
    }
    const ledger = await handle.queryRows<{ n: number }>(
      "select count(*)::int as n from consent_events where contact_id = $1",
      [c.body.id],
    );
    expect(ledger[0]!.n).toBe(12);
  });

  it("a fresh opt-in after an opt-out is honoured, and without a topic a change covers every topic of the channel", async () => {
    const c = await rest("POST", "/contacts", { key, body: { email: "back@example.com", phone: "+12025550188" } });
    const url = `/contacts/${c.body.id}/consent`;
    await rest("POST", url, {
      key,
      body: { channel: "email", topic: "newsletter", status: "opted_out", source: "api" },
    });
    await new Promise((r) => setTimeout(r, 5));
    const again = await rest("POST", url, {
      key,
      body: { channel: "email", topic: "newsletter", status: "opted_in", source: "form", evidence },
    });
    expect(again.body.states[0].status).toBe("opted_in");

    const stop = await rest("POST", url, {
      key,
      body: { channel: "sms", status: "opted_out", source: "sms_keyword", evidence: { providerMessageId: "SM123" } },
    });
    expect(stop.body.states.map((s: { topic: string }) => s.topic).sort()).toEqual(["account-notices", "promotions"]);
    expect(stop.body.states.every((s: { status: string }) => s.status === "opted_out")).toBe(true);
  });

  it("the ledger is append-only: the database refuses UPDATE and DELETE", async () => {
    await expect(handle.queryRows("update consent_events set source = 'admin'")).rejects.toThrow(/append-only/);
    await expect(handle.queryRows("delete from consent_events")).rejects.toThrow(/append-only/);
  });

  it("the consent text is stored once and referenced by hash", async () => {
    const rows = await handle.queryRows<{ n: number }>("select count(*)::int as n from consent_texts where text = $1", [
      evidence.text,
    ]);
    expect(rows[0]!.n).toBe(1);
    const events = await handle.queryRows<{ evidence: { textHash?: string; text?: string } }>(
      "select evidence from consent_events where source = 'form'",
    );
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((e) => typeof e.evidence.textHash === "string" && e.evidence.text === undefined)).toBe(true);
  });
});
