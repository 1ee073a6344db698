import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { apiKeys, consentEvents, contacts, imports } from "@/db/schema";
import { createCaller } from "@/server/api/root";
import type { RequestAuth } from "@/server/api/trpc";
import { systemClock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { recordConsent } from "@/server/services/consent/record-consent";
import { upsertContact } from "@/server/services/contacts";
import type { ApiKeyScope } from "@/server/services/context";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createApiKeyFor, createMember, createWorkspace, systemContext } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { createTestDb } from "@/tests/helpers/db";
import { rest } from "@/tests/helpers/http";
import { getOutbox } from "@/server/wiring";

// The CSV upload is a route handler reading the session through next/headers; keys only here.
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/server/auth", () => ({ auth: async () => null }));

const PERSON = {
  email: "ottoline.brackenbury@example.net",
  phone: "+14155550188",
  firstName: "Ottoline",
  lastName: "Brackenbury",
};
const PII = Object.values(PERSON);
const containsPii = (value: unknown) => PII.filter((p) => (JSON.stringify(value) ?? "").includes(p));

let handle: DbHandle;
let workspaceId: string;
let contactId: string;

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  contactId = (await upsertContact({ ctx: systemContext(handle.db, ws.id), input: PERSON })).contact.id;
});

afterAll(async () => {
  await closeDb();
});

async function keyWith(scopes: ApiKeyScope[]) {
  const { secret, key } = await createApiKeyFor(handle.db, workspaceId, scopes);
  const auth: RequestAuth = { kind: "apiKey", key: { apiKeyId: key.id, workspaceId, scopes } };
  return {
    secret,
    id: key.id,
    caller: createCaller({
      db: handle.db,
      now: systemClock,
      outbox: getOutbox(),
      requestId: "t",
      auth,
      headers: new Headers(),
    }),
  };
}

async function viewerCaller() {
  const { user } = await createMember(handle.db, workspaceId, "viewer");
  const membership = await resolveSessionMembership(handle.db, user.id, workspaceId);
  return createCaller({
    db: handle.db,
    now: systemClock,
    outbox: getOutbox(),
    requestId: "t",
    auth: { kind: "session", membership: membership! },
    headers: new Headers(),
  });
}

async function refusal(call: Promise<unknown>): Promise<TRPCError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

const PREVIEW = {
  channel: "email" as const,
  category: "promotional" as const,
  defaultLocale: "en",
  variants: {
    en: {
      subject: "Hi {{ contact.first_name }} {{ contact.last_name }}",
      text: "Your address: {{ contact.email }}, phone {{ contact.phone }}",
    },
  },
};

describe("templates.preview for a contact", () => {
  it("refuses a key with only messages:send (403 naming contacts:read, no personal data)", async () => {
    const { caller } = await keyWith(["messages:send"]);
    const error = await refusal(caller.templates.preview({ ...PREVIEW, contactId }));
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toContain('"contacts:read"');
    expect(containsPii({ message: error.message, cause: String(error.cause) })).toEqual([]);
    // Without a contact the sample contact is rendered, as before.
    const sample = await caller.templates.preview(PREVIEW);
    expect(sample.contact.sample).toBe(true);
    expect(containsPii(sample)).toEqual([]);
  });

  it("renders the contact for a key that may also read contacts", async () => {
    const { caller } = await keyWith(["messages:send", "contacts:read"]);
    const preview = await caller.templates.preview({ ...PREVIEW, contactId });
    expect(preview.text).toContain(PERSON.email);
  });

  it("renders the contact masked for a viewer", async () => {
    const preview = await (await viewerCaller()).templates.preview({ ...PREVIEW, contactId });
    expect(preview.contact.sample).toBe(false);
    expect(containsPii(preview)).toEqual([]);
    expect(preview.text).toContain("o•••@example.net");
  });
});

describe("imports with a consent column", () => {
  const CONSENT_IMPORT = {
    filename: "list.csv",
    mapping: { email: "email", consentStatus: "consent", consentAt: "at" },
    topicKeys: ["newsletter"],
    channels: ["email"],
  };
  const importCount = async () =>
    (await handle.db.select({ id: imports.id }).from(imports).where(eq(imports.workspaceId, workspaceId))).length;

  it("a key with only contacts:write cannot create one (403 naming consent:write, nothing created)", async () => {
    const { secret } = await keyWith(["contacts:write"]);
    const before = await importCount();
    const res = await rest("POST", "/imports", { key: secret, body: CONSENT_IMPORT });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('"consent:write"');
    expect(await importCount()).toBe(before);
    // The same key may still import contacts without consent.
    const plain = await rest("POST", "/imports", {
      key: secret,
      body: { filename: "list.csv", mapping: { email: "email" } },
    });
    expect(plain.status).toBe(200);
  });

  it("a key narrowed to contacts:write after create cannot run it (403, nothing imported), and runs once consent:write is back", async () => {
    const { secret, id } = await keyWith(["contacts:write", "consent:write"]);
    const created = await rest("POST", "/imports", { key: secret, body: CONSENT_IMPORT });
    expect(created.status).toBe(200);
    await handle.db
      .update(apiKeys)
      .set({ scopes: ["contacts:write"] })
      .where(eq(apiKeys.id, id));

    const { POST } = await import("@/app/api/imports/route");
    const upload = (key: string) =>
      POST(
        new Request(`http://localhost:3000/api/imports?importId=${created.body.id}`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}` },
          body: "email,consent,at\nnew.person@example.net,yes,2026-01-02T03:04:05Z\n",
        }),
      );
    const refused = await upload(secret);
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toContain('"consent:write"');
    const [row] = await handle.db.select().from(imports).where(eq(imports.id, created.body.id));
    expect(row!.status).toBe("pending");
    expect(
      await handle.db.select({ id: contacts.id }).from(contacts).where(eq(contacts.importId, created.body.id)),
    ).toEqual([]);
    expect(
      (await handle.db.select({ id: consentEvents.id }).from(consentEvents).where(eq(consentEvents.source, "import")))
        .length,
    ).toBe(0);

    await handle.db
      .update(apiKeys)
      .set({ scopes: ["contacts:write", "consent:write"] })
      .where(eq(apiKeys.id, id));
    const ran = await upload(secret);
    expect(ran.status).toBe(200);
    expect(await ran.json()).toMatchObject({ status: "completed", insertedRows: 1, consentEvents: 1 });
  });
});

describe("answers that carry contact data", () => {
  it("upsert answers masked fields to a key without contacts:read, and stores them in full", async () => {
    const { secret } = await keyWith(["contacts:write"]);
    const person = {
      email: "marigold.featherstone@example.net",
      phone: "+14155550189",
      firstName: "Marigold",
      lastName: "Featherstone",
    };
    const res = await rest("POST", "/contacts", {
      key: secret,
      body: { ...person, attributes: { birthday: "1990-04-01" } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      email: "m•••@example.net",
      phone: "+1 ••• ••• 0189",
      firstName: "M•••",
      lastName: "F•••",
    });
    expect(res.body.attributes).toEqual({ birthday: "•••" });
    expect(JSON.stringify(res.body)).not.toMatch(/marigold\.featherstone|Marigold|Featherstone|4155550189|1990-04-01/);

    const reader = await keyWith(["contacts:read"]);
    const stored = await rest("GET", `/contacts/${res.body.id}`, { key: reader.secret });
    expect(stored.body).toMatchObject({ ...person, attributes: { birthday: "1990-04-01" } });
    const both = await keyWith(["contacts:write", "contacts:read"]);
    expect((await rest("POST", "/contacts", { key: both.secret, body: { email: person.email } })).body.email).toBe(
      person.email,
    );
  });

  it("a key with only messages:send cannot look messages up by address", async () => {
    await createMessage(handle.db, { workspaceId, contactId, address: PERSON.email });
    const sender = await keyWith(["messages:send"]);
    const res = await rest("GET", `/messages?recipient=${encodeURIComponent(PERSON.email)}`, { key: sender.secret });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('"contacts:read"');
    expect(containsPii(res.body)).toEqual([]);
    // Reading by contact id (what it sent) still works, without addresses.
    const byContact = await rest("GET", `/messages?contactId=${contactId}`, { key: sender.secret });
    expect(byContact.status).toBe(200);
    expect(byContact.body.items.length).toBeGreaterThan(0);
    const reader = await keyWith(["contacts:read"]);
    expect(
      (await rest("GET", `/messages?recipient=${encodeURIComponent(PERSON.email)}`, { key: reader.secret })).body.items
        .length,
    ).toBeGreaterThan(0);
  });

  it("a viewer gets contacts, consent evidence and unsubscribe links masked", async () => {
    await recordConsent({
      ctx: systemContext(handle.db, workspaceId),
      input: {
        id: contactId,
        channel: "email",
        topic: "newsletter",
        status: "opted_in",
        source: "form",
        evidence: {
          ip: "203.0.113.9",
          userAgent: "Ottoline's browser",
          note: "Signed up as Ottoline Brackenbury",
          url: "https://example.net/signup",
        },
      },
    });
    const message = await createMessage(handle.db, {
      workspaceId,
      contactId,
      address: PERSON.email,
      headers: { "List-Unsubscribe": "<http://localhost:3000/u/v1.secret-token>" },
      transport: "log",
    });
    const viewer = await viewerCaller();

    expect(containsPii(await viewer.contacts.get({ id: contactId }))).toEqual([]);
    expect(containsPii(await viewer.contacts.find({ email: PERSON.email }))).toEqual([]);

    const history = await viewer.contacts.history({ id: contactId });
    const event = history.consent.find((e) => e.evidence.url === "https://example.net/signup")!;
    expect(event.evidence).toEqual({ ip: "203.•••", userAgent: "•••", note: "•••", url: "https://example.net/signup" });
    expect(containsPii(history)).toEqual([]);

    const detail = await viewer.messageHistory.detail({ id: message.id });
    expect(detail.message.headers["List-Unsubscribe"]).toBe("<http://localhost:3000/u/•••>");
    const outbox = await viewer.messageHistory.outbox({});
    expect(JSON.stringify(outbox)).not.toContain("secret-token");
  });
});
