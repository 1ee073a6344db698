import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { auditLog } from "@/db/schema";
import { createCaller } from "@/server/api/root";
import type { RequestAuth, TrpcContext } from "@/server/api/trpc";
import { fixedClock, systemClock } from "@/server/lib/clock";
import { blindIndex, encryptOptional } from "@/server/lib/crypto";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { upsertContact } from "@/server/services/contacts";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { getOutbox } from "@/server/wiring";

let handle: DbHandle;
let workspaceId: string;
let owner: Awaited<ReturnType<typeof createMember>>;
let marketer: Awaited<ReturnType<typeof createMember>>;
let viewer: Awaited<ReturnType<typeof createMember>>;
let otherWorkspaceContactId: string;
const evidence = { ip: "203.0.113.9", text: "Yes, send me the newsletter." };

async function callerFor(userId: string, workspace = workspaceId) {
  const membership = await resolveSessionMembership(handle.db, userId, workspace);
  const auth: RequestAuth = membership ? { kind: "session", membership } : { kind: "anonymous" };
  const ctx: TrpcContext = {
    db: handle.db,
    now: systemClock,
    outbox: getOutbox(),
    requestId: "test",
    auth,
    headers: new Headers(),
  };
  return createCaller(ctx);
}

/** 120 contacts a minute apart (newest = index 0), every third tagged vip, every fifth opted in to the newsletter. */
async function seedContacts() {
  const clock = fixedClock("2025-03-01T00:00:00Z");
  const ctx = { ...owner.ctx, now: clock };
  for (let i = 119; i >= 0; i--) {
    clock.set(new Date(Date.UTC(2025, 2, 1) + (119 - i) * 60_000));
    const { contact } = await upsertContact({
      ctx,
      input: {
        email: `person${i}@example.com`,
        firstName: `First${i}`,
        lastName: `Last${i}`,
        tags: i % 3 === 0 ? ["vip"] : ["lead"],
      },
    });
    if (i % 5 === 0)
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
}

beforeAll(async () => {
  handle = await createTestDb();
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  owner = await createMember(handle.db, ws.id, "owner");
  marketer = await createMember(handle.db, ws.id, "marketer");
  viewer = await createMember(handle.db, ws.id, "viewer");
  await seedContacts();

  const other = await createWorkspace(handle.db);
  await ensureDefaultTopics(handle.db, other.id, new Date());
  const otherOwner = await createMember(handle.db, other.id, "owner");
  otherWorkspaceContactId = (await upsertContact({ ctx: otherOwner.ctx, input: { email: "elsewhere@example.com" } }))
    .contact.id;
});
afterAll(async () => {
  await handle.close();
});

describe("contacts list", () => {
  it("pages 50 at a time, newest first, with no contact skipped or repeated; the total comes with the first page", async () => {
    const caller = await callerFor(marketer.user.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await caller.contacts.list({ cursor });
      // The first page carries the total; later pages do not recount it.
      expect(page.total).toBe(cursor ? null : 120);
      sizes.push(page.items.length);
      seen.push(...page.items.map((c) => c.email!));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(sizes).toEqual([50, 50, 20]);
    expect(new Set(seen).size).toBe(120);
    expect(seen.slice(0, 3)).toEqual(["person0@example.com", "person1@example.com", "person2@example.com"]);
  });

  it("keeps rows written in the same millisecond apart (the cursor keeps microseconds)", async () => {
    const ws = await createWorkspace(handle.db);
    const member = await createMember(handle.db, ws.id, "admin");
    for (const [i, at] of [
      "2025-01-01 00:00:00.000100+00",
      "2025-01-01 00:00:00.000200+00",
      "2025-01-01 00:00:00.000300+00",
    ].entries()) {
      await handle.queryRows(
        "insert into contacts (workspace_id, email_ciphertext, email_hash, created_at, updated_at) values ($1, $2, $3, $4, $4)",
        [
          ws.id,
          encryptOptional(`tie${i}@example.com`, "contact.email"),
          blindIndex(ws.id, "email", `tie${i}@example.com`),
          at,
        ],
      );
    }
    const caller = await callerFor(member.user.id, ws.id);
    const first = await caller.contacts.list({ limit: 2 });
    const second = await caller.contacts.list({ limit: 2, cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((c) => c.email)).toEqual([
      "tie2@example.com",
      "tie1@example.com",
      "tie0@example.com",
    ]);
    expect(second.nextCursor).toBeNull();
  });

  it("filters by tag, by consent (topic × status), by created date and by exact email or phone", async () => {
    const caller = await callerFor(marketer.user.id);
    expect((await caller.contacts.list({ tag: "vip" })).total).toBe(40);

    const optedIn = await caller.contacts.list({ consent: { topic: "newsletter", status: "opted_in" } });
    expect(optedIn.total).toBe(24);
    expect(
      optedIn.items.every((c) =>
        c.consent.some((s) => s.topic === "newsletter" && s.channel === "email" && s.status === "opted_in"),
      ),
    ).toBe(true);
    expect(
      (await caller.contacts.list({ consent: { topic: "newsletter", channel: "email", status: "none" } })).total,
    ).toBe(96);
    expect(
      (await caller.contacts.list({ consent: { topic: "newsletter", status: "opted_in" }, tag: "vip" })).total,
    ).toBe(8);

    const range = await caller.contacts.list({
      createdFrom: new Date("2025-03-01T00:10:00Z"),
      createdTo: new Date("2025-03-01T00:20:00Z"),
    });
    expect(range.total).toBe(10);

    const byEmail = await caller.contacts.list({ search: "  PERSON7@EXAMPLE.COM " });
    expect(byEmail.items.map((c) => c.firstName)).toEqual(["First7"]);
    await upsertContact({ ctx: owner.ctx, input: { phone: "(415) 555-2671", firstName: "Phoebe" } });
    expect((await caller.contacts.list({ search: "+1 415 555 2671" })).items.map((c) => c.firstName)).toEqual([
      "Phoebe",
    ]);
    expect((await caller.contacts.list({ search: "nobody@example.com" })).items).toEqual([]);
  });

  it("finds by name or the start of an address for marketers; viewers get a message saying search is exact", async () => {
    const caller = await callerFor(marketer.user.id);
    // Newest first: person11@… and person110@… to person119@… start with "person11".
    expect((await caller.contacts.list({ search: "person11" })).items.map((c) => c.firstName)).toEqual([
      "First11",
      ...Array.from({ length: 10 }, (_, i) => `First11${i}`),
    ]);
    expect((await caller.contacts.list({ search: "first7 last7" })).items.map((c) => c.firstName)).toEqual(["First7"]);
    await expect(caller.contacts.list({ search: "-" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect((await callerFor(viewer.user.id)).contacts.list({ search: "person" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/complete email address or phone number/),
    });
    await expect(
      caller.contacts.list({ consent: { topic: "no-such-topic", status: "opted_in" } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("lists the tags in use with their counts", async () => {
    const tags = await (await callerFor(viewer.user.id)).contacts.tags();
    expect(tags).toEqual([
      { tag: "lead", count: 80 },
      { tag: "vip", count: 40 },
    ]);
  });
});

describe("masking and reveal", () => {
  it("a viewer gets names, email and phone masked in the list and on the contact page", async () => {
    const caller = await callerFor(viewer.user.id);
    const page = await caller.contacts.list({ search: "person7@example.com" });
    expect(page.masked).toBe(true);
    expect(page.items[0]).toMatchObject({ email: "p•••@example.com", firstName: "F•••", lastName: "L•••" });
    const detail = await caller.contacts.detail({ id: page.items[0]!.id });
    expect(detail.masked).toBe(true);
    expect(detail.contact).toMatchObject({ email: "p•••@example.com", firstName: "F•••" });
    expect(JSON.stringify(detail)).not.toContain("person7");

    const phone = await caller.contacts.list({ search: "415-555-2671" });
    expect(phone.items[0]!.phone).toBe("+1 ••• ••• 2671");
  });

  it("a marketer sees full values", async () => {
    const page = await (await callerFor(marketer.user.id)).contacts.list({ search: "person7@example.com" });
    expect(page.masked).toBe(false);
    expect(page.items[0]).toMatchObject({ email: "person7@example.com", firstName: "First7" });
  });

  it("reveal returns the full values and writes a contact.revealed audit row naming the viewer, without the values", async () => {
    const caller = await callerFor(viewer.user.id);
    const [item] = (await caller.contacts.list({ search: "person7@example.com" })).items;
    const revealed = await caller.contacts.reveal({ id: item!.id });
    expect(revealed).toMatchObject({ email: "person7@example.com", firstName: "First7", lastName: "Last7" });
    const rows = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "contact.revealed"), eq(auditLog.targetId, item!.id)));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorType: "user",
      actorId: viewer.user.id,
      targetType: "contact",
      after: { fields: ["email", "firstName", "lastName"] },
    });
    expect(JSON.stringify(rows[0])).not.toContain("person7");
    const history = await caller.contacts.history({ id: item!.id });
    expect(history.activity.some((a) => a.kind === "audit" && a.action === "contact.revealed")).toBe(true);
  });
});

describe("admin consent changes", () => {
  it("an admin opt-in without a note is refused and records nothing", async () => {
    const caller = await callerFor(owner.user.id);
    const { contact } = await upsertContact({ ctx: owner.ctx, input: { email: "no-note@example.com" } });
    await expect(
      caller.contacts.setConsent({ id: contact.id, channel: "email", topic: "newsletter", status: "opted_in" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      caller.contacts.setConsent({
        id: contact.id,
        channel: "email",
        topic: "newsletter",
        status: "opted_in",
        note: "  ok  ",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await caller.contacts.history({ id: contact.id })).consent).toEqual([]);
  });

  it("an opt-in with a note becomes the state, with the note and the member in the history; an opt-out needs no note", async () => {
    const caller = await callerFor(marketer.user.id);
    const { contact } = await upsertContact({ ctx: owner.ctx, input: { email: "asked@example.com" } });
    const note = "Customer asked by phone on 3 March";
    const result = await caller.contacts.setConsent({
      id: contact.id,
      channel: "email",
      topic: "newsletter",
      status: "opted_in",
      note,
    });
    expect(result.states).toContainEqual(
      expect.objectContaining({ topic: "newsletter", status: "opted_in", source: "admin" }),
    );

    const detail = await caller.contacts.detail({ id: contact.id });
    const cell = detail.consent.find((c) => c.topic.key === "newsletter" && c.channel === "email");
    expect(cell?.state).toMatchObject({ status: "opted_in", source: "admin" });
    expect(detail.consent.find((c) => c.topic.key === "promotions")?.state).toBeNull();

    const history = await caller.contacts.history({ id: contact.id });
    expect(history.consent[0]).toMatchObject({
      action: "opted_in",
      source: "admin",
      evidence: { note },
      actorType: "user",
      actorId: marketer.user.id,
    });
    expect(history.consent[0]!.actorLabel).toBeTruthy();

    await caller.contacts.setConsent({ id: contact.id, channel: "email", status: "opted_out" });
    const after = await caller.contacts.detail({ id: contact.id });
    expect(after.consent.filter((c) => c.channel === "email").every((c) => c.state?.status === "opted_out")).toBe(true);
  });

  it("an opt-in on a channel the contact has no address for is refused", async () => {
    const caller = await callerFor(owner.user.id);
    const { contact } = await upsertContact({ ctx: owner.ctx, input: { email: "email-only@example.com" } });
    await expect(
      caller.contacts.setConsent({
        id: contact.id,
        channel: "sms",
        topic: "promotions",
        status: "opted_in",
        note: "Asked at the counter on Monday",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("no phone number") });
  });

  it("the history resolves the consent text by hash and the activity merges consent events and audit rows", async () => {
    const caller = await callerFor(owner.user.id);
    const [item] = (await caller.contacts.list({ search: "person5@example.com" })).items;
    const history = await caller.contacts.history({ id: item!.id });
    expect(history.consent[0]).toMatchObject({
      action: "opted_in",
      source: "form",
      consentText: evidence.text,
      evidence: { ip: evidence.ip },
    });
    expect(history.activity.map((a) => (a.kind === "audit" ? a.action : `consent:${a.event.action}`))).toEqual([
      "consent:opted_in",
      "contact.created",
    ]);
  });

  it("a viewer can neither change consent nor create or edit contacts", async () => {
    const caller = await callerFor(viewer.user.id);
    const [item] = (await caller.contacts.list({ search: "person1@example.com" })).items;
    await expect(
      caller.contacts.setConsent({ id: item!.id, channel: "email", status: "opted_out" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller.contacts.create({ email: "new@example.com" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller.contacts.update({ id: item!.id, firstName: "X" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("profile edits", () => {
  it("creates through the upsert (saying whether it existed) and edits by id, refusing an address of another contact", async () => {
    const caller = await callerFor(marketer.user.id);
    const created = await caller.contacts.create({ email: "edit-me@example.com", firstName: "Eddie" });
    expect(created.created).toBe(true);
    expect((await caller.contacts.create({ email: "EDIT-ME@example.com" })).created).toBe(false);

    const updated = await caller.contacts.update({
      id: created.id,
      email: "edited@example.com",
      phone: "+44 20 7946 0000",
      lastName: "Edits",
      tags: ["b", "a"],
      timezone: "Europe/London",
    });
    expect(updated).toMatchObject({
      email: "edited@example.com",
      phone: "+442079460000",
      firstName: "Eddie",
      lastName: "Edits",
      tags: ["b", "a"],
      timezone: "Europe/London",
    });
    expect((await caller.contacts.list({ search: "edit-me@example.com" })).items).toEqual([]);
    expect((await caller.contacts.list({ search: "edited@example.com" })).items).toHaveLength(1);

    await expect(caller.contacts.update({ id: created.id, email: "person3@example.com" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(caller.contacts.update({ id: created.id, email: "", phone: null })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    const cleared = await caller.contacts.update({ id: created.id, phone: "", lastName: null });
    expect(cleared).toMatchObject({ phone: null, lastName: null, email: "edited@example.com" });
  });
});

describe("workspace isolation", () => {
  it("another workspace's contact id is NOT_FOUND for every admin procedure", async () => {
    const caller = await callerFor(owner.user.id);
    const id = otherWorkspaceContactId;
    await expect(caller.contacts.detail({ id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.contacts.history({ id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.contacts.reveal({ id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.contacts.update({ id, firstName: "Mallory" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.contacts.setConsent({ id, channel: "email", status: "opted_out" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await caller.contacts.list({ search: "elsewhere@example.com" })).items).toEqual([]);
  });
});

describe("topics admin", () => {
  it("only admins create, edit and archive topics; everyone lists them", async () => {
    const marketerCaller = await callerFor(marketer.user.id);
    const viewerCaller = await callerFor(viewer.user.id);
    const adminCaller = await callerFor(owner.user.id);
    const input = {
      key: "product-updates",
      name: "Product updates",
      channels: ["email" as const],
      kind: "marketing" as const,
    };
    await expect(marketerCaller.topics.create(input)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(viewerCaller.topics.create(input)).rejects.toMatchObject({ code: "FORBIDDEN" });

    const topic = await adminCaller.topics.create({
      ...input,
      description: "What shipped this month.",
      requiresDoubleOptIn: true,
    });
    expect(topic).toMatchObject({ key: "product-updates", requiresDoubleOptIn: true, archived: false });
    await expect(adminCaller.topics.create(input)).rejects.toMatchObject({ code: "CONFLICT" });

    await expect(marketerCaller.topics.update({ id: topic.id, archived: true })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const edited = await adminCaller.topics.update({
      id: topic.id,
      name: "Product news",
      channels: ["email", "sms"],
      requiresDoubleOptIn: false,
    });
    expect(edited).toMatchObject({ name: "Product news", channels: ["email", "sms"], requiresDoubleOptIn: false });

    await adminCaller.topics.update({ id: topic.id, archived: true });
    expect((await viewerCaller.topics.list()).items.map((t) => t.key)).not.toContain("product-updates");
    expect(
      (await viewerCaller.topics.list({ includeArchived: true })).items.find((t) => t.key === "product-updates")
        ?.archived,
    ).toBe(true);
    await adminCaller.topics.update({ id: topic.id, archived: false });
    expect((await viewerCaller.topics.list()).items.map((t) => t.key)).toContain("product-updates");
  });
});
