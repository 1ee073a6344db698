import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, asc, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { consentConfirmations, consentEvents, topics, type Channel, type TopicRow } from "@/db/schema";
import { GET as formGet, POST as formPost } from "@/app/f/[formKey]/route";
import { SOCKET_ADDRESS_HEADER } from "@/server/lib/client-address";
import { closeDb, setDbHandle } from "@/server/lib/db";
import type { ServiceContext } from "@/server/services/context";
import { getConsentStates } from "@/server/services/consent/get-consent-states";
import { updateContact } from "@/server/services/contacts/update-contact";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { findContacts, getContact, upsertContact } from "@/server/services/contacts";
import { createForm } from "@/server/services/forms/create-form";
import type { TFormDefinitionInput } from "@/server/services/forms/schemas";
import { createImport } from "@/server/services/imports/create-import";
import { runImport } from "@/server/services/imports/run-import";
import { createTopic, ensureDefaultTopics } from "@/server/services/topics";
import { createApiKeyFor, createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { rest } from "@/tests/helpers/http";
import { installRecordingTransports } from "@/tests/helpers/recording-transports";

const BASE = "http://localhost:3000";
let handle: DbHandle;
let admin: ServiceContext;
let apiKey: string;
let topicByKey: Record<string, TopicRow>;
let transport: ReturnType<typeof installRecordingTransports>;
let ipCounter = 0;

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { name: "Acme Coffee", defaultRegion: "US" });
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  admin = (await createMember(handle.db, ws.id, "admin")).ctx;
  apiKey = (await createApiKeyFor(handle.db, ws.id, ["contacts:read", "contacts:write", "consent:write"])).secret;
  await createTopic({
    ctx: admin,
    input: { key: "updates", name: "Weekly updates", channels: ["email"], kind: "marketing" },
  });
  await createTopic({ ctx: admin, input: { key: "deals", name: "Text deals", channels: ["sms"], kind: "marketing" } });
  const rows = await handle.db.select().from(topics).where(eq(topics.workspaceId, ws.id));
  topicByKey = Object.fromEntries(rows.map((t) => [t.key, t]));
  transport = installRecordingTransports();
});
afterAll(async () => {
  transport.uninstall();
  await closeDb();
});

const params = <T extends object>(value: T) => ({ params: Promise.resolve(value) });

async function signupForm(topicKeys: string[], doubleOptIn = false) {
  const definition: TFormDefinitionInput = {
    title: "Join us",
    fields: [
      { name: "email", required: false },
      { name: "phone", required: false },
      { name: "firstName", required: false },
    ],
    topicIds: topicKeys.map((k) => topicByKey[k]!.id),
    consentText: "Yes, send me Acme's news. I can unsubscribe at any time.",
    doubleOptIn,
  };
  return createForm({ ctx: admin, input: { name: `Form ${topicKeys.join("+")}`, definition } });
}

/** Posts the form as a browser would; `topics` are the ticked boxes of a form offering several. */
async function postForm(key: string, fields: Record<string, string>, topics: string[] = []) {
  const page = await (await formGet(new Request(`${BASE}/f/${key}`), params({ formKey: key }))).text();
  const token = /name="_token" value="([^"]+)"/.exec(page)![1]!;
  ipCounter += 1;
  const res = await formPost(
    new Request(`${BASE}/f/${key}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        [SOCKET_ADDRESS_HEADER]: `198.51.100.${ipCounter}`,
        "user-agent": "addresses test",
      },
      body: new URLSearchParams([...Object.entries({ ...fields, _token: token }), ...topics.map((t) => ["topics", t])]),
    }),
    params({ formKey: key }),
  );
  return { status: res.status, html: await res.text() };
}

/** A contact with both addresses and consent on `updates` (email) and `deals` (sms). */
async function victim(email: string, phone: string) {
  const { contact } = await upsertContact({ ctx: admin, input: { email, phone, firstName: "Vera" } });
  for (const [channel, topicKey] of [
    ["email", "updates"],
    ["sms", "deals"],
  ] as const) {
    await recordConsentChange({
      ctx: admin,
      input: {
        contactId: contact.id,
        channel,
        topicKey,
        action: "opted_in",
        source: "admin",
        evidence: { note: "signed up at the counter" },
      },
    });
  }
  return contact;
}

async function stateOf(contactId: string, channel: Channel, topic: string) {
  const { states } = await getConsentStates({ ctx: admin, input: { id: contactId } });
  return states.find((s) => s.channel === channel && s.topic === topic) ?? null;
}

async function byEmail(email: string) {
  return (await findContacts({ ctx: admin, input: { email } }))[0] ?? null;
}

async function byPhone(phone: string) {
  return (await findContacts({ ctx: admin, input: { phone } }))[0] ?? null;
}

describe("a public form never changes an existing contact's addresses", () => {
  it("known phone + new email: the contact keeps its email, the new email is a new contact its opt-ins do not cover", async () => {
    const vera = await victim("vera@example.com", "+14155550101");
    const form = await signupForm(["deals"]);
    const { status } = await postForm(form.key, {
      phone: "(415) 555-0101",
      email: "attacker@example.net",
      firstName: "Mallory",
    });
    expect(status).toBe(303);

    const after = await getContact({ ctx: admin, input: { id: vera.id } });
    expect(after).toMatchObject({ email: "vera@example.com", phone: "+14155550101", firstName: "Vera" });
    const stranger = await byEmail("attacker@example.net");
    expect(stranger).not.toBeNull();
    expect(stranger!.id).not.toBe(vera.id);
    expect(stranger!.phone).toBeNull();
    // Vera's newsletter opt-in stays hers; the new address has no consent on it.
    expect(await stateOf(stranger!.id, "email", "updates")).toBeNull();
    expect((await stateOf(vera.id, "email", "updates"))?.status).toBe("opted_in");
    // The form's SMS consent went to the contact of the phone that was typed, on its own channel.
    expect((await stateOf(vera.id, "sms", "deals"))?.source).toBe("form");
  });

  it("known email + new phone: the contact keeps its phone, the new phone is a new contact its opt-ins do not cover", async () => {
    const vera = await victim("vera.two@example.com", "+14155550102");
    const form = await signupForm(["updates"]);
    const { status } = await postForm(form.key, { email: "Vera.Two@Example.com", phone: "+1 415 555 0177" });
    expect(status).toBe(303);

    expect((await getContact({ ctx: admin, input: { id: vera.id } })).phone).toBe("+14155550102");
    const stranger = await byPhone("+14155550177");
    expect(stranger).not.toBeNull();
    expect(stranger!.id).not.toBe(vera.id);
    expect(stranger!.email).toBeNull();
    expect(await stateOf(stranger!.id, "sms", "deals")).toBeNull();
    expect((await stateOf(vera.id, "sms", "deals"))?.status).toBe("opted_in");
  });

  it("email of one contact + phone of another: no merge, each gets the form's consent for its own address only", async () => {
    const ann = await upsertContact({ ctx: admin, input: { email: "ann@example.com" } });
    const bob = await upsertContact({ ctx: admin, input: { phone: "+14155550103" } });
    const form = await signupForm(["updates", "deals"]);
    const { status, html } = await postForm(form.key, { email: "ann@example.com", phone: "415 555 0103" }, [
      "updates",
      "deals",
    ]);
    expect(status).toBe(303);
    expect(html).not.toContain("could not sign up");

    expect(await getContact({ ctx: admin, input: { id: ann.contact.id } })).toMatchObject({
      email: "ann@example.com",
      phone: null,
    });
    expect(await getContact({ ctx: admin, input: { id: bob.contact.id } })).toMatchObject({
      email: null,
      phone: "+14155550103",
    });
    expect((await stateOf(ann.contact.id, "email", "updates"))?.status).toBe("opted_in");
    expect(await stateOf(ann.contact.id, "sms", "deals")).toBeNull();
    expect((await stateOf(bob.contact.id, "sms", "deals"))?.status).toBe("opted_in");
    expect(await stateOf(bob.contact.id, "email", "updates")).toBeNull();
  });

  it("a new phone fills the gap of a contact that has none and no SMS consent", async () => {
    const cara = await upsertContact({ ctx: admin, input: { email: "cara@example.com" } });
    const form = await signupForm(["updates", "deals"]);
    await postForm(form.key, { email: "cara@example.com", phone: "415 555 0104" }, ["updates", "deals"]);
    const after = await getContact({ ctx: admin, input: { id: cara.contact.id } });
    expect(after.phone).toBe("+14155550104");
    expect((await stateOf(cara.contact.id, "sms", "deals"))?.status).toBe("opted_in");
  });
});

async function addressChangedEvents(contactId: string) {
  return handle.db
    .select()
    .from(consentEvents)
    .where(and(eq(consentEvents.contactId, contactId), eq(consentEvents.source, "address_changed")))
    .orderBy(asc(consentEvents.seq));
}

describe("an authenticated upsert or import that changes an address withdraws the old address's consent", () => {
  it("API upsert matched by phone with a new email: email consent ends with address_changed, SMS consent stays", async () => {
    const dora = await victim("dora@example.com", "+14155550105");
    const res = await rest("POST", "/contacts", {
      key: apiKey,
      body: { phone: "+14155550105", email: "dora.new@example.com" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: dora.id, email: "dora.new@example.com" });

    expect(await stateOf(dora.id, "email", "updates")).toMatchObject({
      status: "opted_out",
      source: "address_changed",
    });
    expect((await stateOf(dora.id, "sms", "deals"))?.status).toBe("opted_in");
    const events = await addressChangedEvents(dora.id);
    expect(events.map((e) => [e.channel, e.action])).toEqual([["email", "opted_out"]]);
    // The REST view names the reason too.
    const consent = await rest("GET", `/contacts/${dora.id}/consent`, { key: apiKey });
    expect(consent.body.states).toContainEqual(
      expect.objectContaining({ channel: "email", topic: "updates", status: "opted_out", source: "address_changed" }),
    );
    // The same address again changes nothing more.
    await rest("POST", "/contacts", { key: apiKey, body: { phone: "+14155550105", email: "dora.new@example.com" } });
    expect(await addressChangedEvents(dora.id)).toHaveLength(1);
  });

  it("API upsert matched by email with a new phone: SMS consent ends with address_changed", async () => {
    const eve = await victim("eve@example.com", "+14155550106");
    const res = await rest("POST", "/contacts", {
      key: apiKey,
      body: { email: "eve@example.com", phone: "+14155550186" },
    });
    expect(res.status).toBe(200);
    expect(res.body.phone).toBe("+14155550186");
    expect(await stateOf(eve.id, "sms", "deals")).toMatchObject({ status: "opted_out", source: "address_changed" });
    expect((await stateOf(eve.id, "email", "updates"))?.status).toBe("opted_in");
  });

  it("the admin profile edit that replaces an email withdraws its consent the same way", async () => {
    const hal = await victim("hal@example.com", "+14155550108");
    const after = await updateContact({ ctx: admin, input: { id: hal.id, email: "hal.new@example.com" } });
    expect(after.email).toBe("hal.new@example.com");
    expect(await stateOf(hal.id, "email", "updates")).toMatchObject({ status: "opted_out", source: "address_changed" });
    expect((await stateOf(hal.id, "sms", "deals"))?.status).toBe("opted_in");
  });

  it("an open double opt-in request for the old email is closed: a late click cannot grant the new address", async () => {
    const { contact: ivy } = await upsertContact({
      ctx: admin,
      input: { email: "ivy@example.com", phone: "+14155550109" },
    });
    const form = await signupForm(["updates"], true);
    await postForm(form.key, { email: "ivy@example.com" });
    expect((await stateOf(ivy.id, "email", "updates"))?.status).toBe("pending");
    const open = await handle.db.select().from(consentConfirmations).where(eq(consentConfirmations.contactId, ivy.id));
    expect(open).toHaveLength(1);
    expect(open[0]!.closedAt).toBeNull();

    await rest("POST", "/contacts", { key: apiKey, body: { phone: "+14155550109", email: "ivy.new@example.com" } });
    const [closed] = await handle.db
      .select()
      .from(consentConfirmations)
      .where(eq(consentConfirmations.contactId, ivy.id));
    expect(closed!.closedAt).not.toBeNull();
    expect(await stateOf(ivy.id, "email", "updates")).toMatchObject({ status: "opted_out", source: "address_changed" });
  });

  it("the API cannot record address_changed itself", async () => {
    const { contact } = await upsertContact({ ctx: admin, input: { email: "fay@example.com" } });
    const res = await rest("POST", `/contacts/${contact.id}/consent`, {
      key: apiKey,
      body: { channel: "email", topic: "updates", status: "opted_out", source: "address_changed" },
    });
    expect(res.status).toBe(400);
  });

  it("a CSV import row matched by phone with a new email: email consent ends, the row's own opt-in does not carry over", async () => {
    const gus = await victim("gus@example.com", "+14155550107");
    const created = await createImport({
      ctx: admin,
      input: {
        filename: "change.csv",
        mapping: { email: "Email", phone: "Mobile", consentStatus: "consent", consentAt: "consent_at" },
        topicKeys: ["updates"],
        channels: ["email"],
      },
    });
    async function* source() {
      yield Buffer.from("Email,Mobile,consent,consent_at\ngus.new@example.com,415-555-0107,yes,2026-01-01\n");
    }
    const result = await runImport({ ctx: admin, input: { importId: created.id, source: source() } });
    expect(result).toMatchObject({ status: "completed", updatedRows: 1 });

    expect((await getContact({ ctx: admin, input: { id: gus.id } })).email).toBe("gus.new@example.com");
    expect(await stateOf(gus.id, "email", "updates")).toMatchObject({ status: "opted_out", source: "address_changed" });
    expect((await stateOf(gus.id, "sms", "deals"))?.status).toBe("opted_in");
    expect((await addressChangedEvents(gus.id)).map((e) => e.channel)).toEqual(["email"]);
  });
});
