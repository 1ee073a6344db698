import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, asc, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { consentEvents, consentStates, consentTexts, contacts, topics, type TopicRow } from "@/db/schema";
import { GET as formGet, POST as formPost } from "@/app/f/[formKey]/route";
import { GET as doneGet } from "@/app/f/[formKey]/done/route";
import { GET as linkGet, POST as linkPost } from "@/app/confirm/[token]/route";
import { GET as codeGet, POST as codePost } from "@/app/confirm/code/[confirmationId]/route";
import { createCaller } from "@/server/api/root";
import type { RequestAuth, TrpcContext } from "@/server/api/trpc";
import { SOCKET_ADDRESS_HEADER } from "@/server/lib/client-address";
import { systemClock } from "@/server/lib/clock";
import { resetEnv } from "@/server/lib/env";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { issueFormToken } from "@/server/lib/form-token";
import { sha256Hex } from "@/server/lib/hashing";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { createForm } from "@/server/services/forms/create-form";
import { archiveForm } from "@/server/services/forms/archive-form";
import { getForm } from "@/server/services/forms/get-form";
import { listForms } from "@/server/services/forms/list-forms";
import type { TFormDefinitionInput } from "@/server/services/forms/schemas";
import { updateForm } from "@/server/services/forms/update-form";
import type { ServiceContext } from "@/server/services/context";
import { createTopic, ensureDefaultTopics } from "@/server/services/topics";
import { createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { installRecordingTransports } from "@/tests/helpers/recording-transports";
import { getOutbox } from "@/server/wiring";

const BASE = "http://localhost:3000";
let handle: DbHandle;
let workspaceId: string;
let admin: ServiceContext;
let adminUserId: string;
let topicByKey: Record<string, TopicRow>;
let transport: ReturnType<typeof installRecordingTransports>;
let ipCounter = 0;

const CONSENT = "Yes, email me Acme's weekly updates. I can unsubscribe at any time.";

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { name: "Acme Coffee", defaultRegion: "US" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  const owner = await createMember(handle.db, ws.id, "admin");
  admin = owner.ctx;
  adminUserId = owner.user.id;
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
beforeEach(() => {
  ipCounter += 1;
});

const ip = () => `198.51.100.${ipCounter}`;

function definition(overrides: Partial<TFormDefinitionInput> = {}): TFormDefinitionInput {
  return {
    title: "Get our weekly updates",
    description: "Fresh roasts and brewing tips.",
    fields: [
      { name: "email", required: true },
      { name: "firstName", required: false },
    ],
    topicIds: [topicByKey.updates!.id],
    consentText: CONSENT,
    doubleOptIn: false,
    ...overrides,
  };
}

const params = <T extends object>(value: T) => ({ params: Promise.resolve(value) });

async function getPage(key: string, query = "") {
  const res = await formGet(new Request(`${BASE}/f/${key}${query}`), params({ formKey: key }));
  return { res, html: await res.text() };
}

async function tokenFrom(key: string): Promise<string> {
  const { html } = await getPage(key);
  return /name="_token" value="([^"]+)"/.exec(html)![1]!;
}

/** A form body; an array is one field posted several times (the ticked topic boxes). */
function formBody(fields: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields))
    for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
  return body;
}

async function post(key: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}) {
  const res = await formPost(
    new Request(`${BASE}/f/${key}`, {
      method: "POST",
      // The address our HTTP server writes from the socket (a client cannot set it: see client-address.ts).
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        [SOCKET_ADDRESS_HEADER]: ip(),
        "user-agent": "Mozilla/5.0 (forms test)",
        ...headers,
      },
      body: formBody(fields),
    }),
    params({ formKey: key }),
  );
  return { res, html: await res.text() };
}

async function eventsFor(contactId: string) {
  return handle.db
    .select()
    .from(consentEvents)
    .where(eq(consentEvents.contactId, contactId))
    .orderBy(asc(consentEvents.seq));
}

async function contactIdByEmail(email: string) {
  const caller = await adminCaller();
  const found = await caller.contacts.find({ email }).catch(() => null);
  return (found as { items?: { id: string }[] } | null)?.items?.[0]?.id ?? null;
}

async function adminCaller() {
  const membership = await resolveSessionMembership(handle.db, adminUserId, workspaceId);
  const auth: RequestAuth = { kind: "session", membership: membership! };
  const ctx: TrpcContext = {
    db: handle.db,
    now: systemClock,
    outbox: getOutbox(),
    requestId: "t",
    auth,
    headers: new Headers(),
  };
  return createCaller(ctx);
}

async function countRows() {
  const [c] = await handle.queryRows<{ n: number }>("select count(*)::int as n from contacts");
  const [e] = await handle.queryRows<{ n: number }>("select count(*)::int as n from consent_events");
  return { contacts: c!.n, events: e!.n, emails: transport.emails.length, sms: transport.sms.length };
}

describe("hosted form page", () => {
  it("GET shows the branded form with the consent text next to the button, embeddable and uncached", async () => {
    const form = await createForm({ ctx: admin, input: { name: "Footer", definition: definition() } });
    const { res, html } = await getPage(form.key, "?embed=1");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors *");
    expect(res.headers.get("x-frame-options")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(html).toContain("Acme Coffee");
    expect(html).toContain("Get our weekly updates");
    expect(html).toContain("Weekly updates");
    expect(html).toContain('class="embed"');
    expect(html.indexOf("unsubscribe at any time")).toBeLessThan(html.indexOf('type="submit"'));
    expect(html).toMatch(/name="website"/);
    expect(html).not.toContain("<script");
  });

  it("an unknown or archived form answers 404", async () => {
    expect((await getPage("nope-not-a-form")).res.status).toBe(404);
    const form = await createForm({ ctx: admin, input: { name: "Old", definition: definition() } });
    await archiveForm({ ctx: admin, input: { id: form.id } });
    expect((await getPage(form.key)).res.status).toBe(404);
    const token = issueFormToken(form.key, new Date());
    expect((await post(form.key, { email: "arch@example.com", _token: token })).res.status).toBe(404);
  });
});

describe("submitting a form", () => {
  it("without double opt-in records opted_in with ip, user agent, url, form version and consent text hash", async () => {
    const form = await createForm({ ctx: admin, input: { name: "No DOI", definition: definition() } });
    const { res } = await post(
      form.key,
      { email: "Reader@Example.com", firstName: "Rita", _token: await tokenFrom(form.key) },
      { origin: BASE, referer: `${BASE}/f/${form.key}` },
    );
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/f/${form.key}/done`);
    const contactId = (await contactIdByEmail("reader@example.com"))!;
    expect(contactId).toBeTruthy();
    const [stateRow] = await handle.db.select().from(consentStates).where(eq(consentStates.contactId, contactId));
    expect(stateRow).toMatchObject({
      status: "opted_in",
      source: "form",
      channel: "email",
      topicId: topicByKey.updates!.id,
    });
    const [event] = await eventsFor(contactId);
    expect(event!.evidence).toEqual({
      ip: ip(),
      ipSource: "socket",
      userAgent: "Mozilla/5.0 (forms test)",
      url: `${BASE}/f/${form.key}`,
      formVersion: `${form.id}@v1`,
      textHash: sha256Hex(CONSENT),
    });
    expect(event!.actorType).toBe("contact");
    const [text] = await handle.db
      .select()
      .from(consentTexts)
      .where(eq(consentTexts.hash, sha256Hex(CONSENT)));
    expect(text!.text).toBe(CONSENT);
    expect(form.consentTextHash).toBe(sha256Hex(CONSENT));
    const caller = await adminCaller();
    expect((await caller.contacts.get({ id: contactId })).firstName).toBe("Rita");

    const done = await doneGet(new Request(`${BASE}/f/${form.key}/done`), params({ formKey: form.key }));
    expect(await done.text()).toContain("You&#39;re subscribed");
  });

  it("with double opt-in the contact is pending; the link page's GET changes nothing, its POST confirms once", async () => {
    const form = await createForm({
      ctx: admin,
      input: { name: "DOI", definition: definition({ doubleOptIn: true }) },
    });
    const { res } = await post(form.key, { email: "doi@example.com", _token: await tokenFrom(form.key) });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/f/${form.key}/done?check=email`);
    const done = await doneGet(new Request(`${BASE}${res.headers.get("location")}`), params({ formKey: form.key }));
    expect(await done.text()).toContain("Check your email");

    const contactId = (await contactIdByEmail("doi@example.com"))!;
    const state = async () =>
      (await handle.db.select().from(consentStates).where(eq(consentStates.contactId, contactId)))[0]?.status;
    expect(await state()).toBe("pending");

    const token = transport.linkTokenFor("doi@example.com");
    const page = await linkGet(new Request(`${BASE}/confirm/${token}`), params({ token }));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain("Confirm my subscription");
    expect(await state()).toBe("pending");

    const click = () =>
      linkPost(
        new Request(`${BASE}/confirm/${token}`, {
          method: "POST",
          headers: { [SOCKET_ADDRESS_HEADER]: "192.0.2.55", "user-agent": "Phone" },
        }),
        params({ token }),
      );
    const first = await click();
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("You&#39;re subscribed");
    expect(await state()).toBe("opted_in");
    const confirmed = (await eventsFor(contactId)).filter((e) => e.action === "confirmed");
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]!.evidence).toMatchObject({
      formVersion: `${form.id}@v1`,
      textHash: sha256Hex(CONSENT),
      confirmationIp: "192.0.2.55",
      confirmationIpSource: "socket",
    });

    const count = (await eventsFor(contactId)).length;
    const second = await click();
    expect(await second.text()).toContain("Already confirmed");
    expect((await eventsFor(contactId)).length).toBe(count);
  });

  it("a topic that requires double opt-in is pending even on a form without it", async () => {
    const form = await createForm({
      ctx: admin,
      input: {
        name: "Mixed",
        definition: definition({ topicIds: [topicByKey.updates!.id, topicByKey.newsletter!.id] }),
      },
    });
    await post(form.key, {
      email: "mixed@example.com",
      topics: ["updates", "newsletter"],
      _token: await tokenFrom(form.key),
    });
    const contactId = (await contactIdByEmail("mixed@example.com"))!;
    const states = await handle.db.select().from(consentStates).where(eq(consentStates.contactId, contactId));
    const byTopic = Object.fromEntries(states.map((s) => [s.topicId, s.status]));
    expect(byTopic[topicByKey.updates!.id]).toBe("opted_in");
    expect(byTopic[topicByKey.newsletter!.id]).toBe("pending");
  });

  it("SMS double opt-in continues on the code page, which confirms the right code", async () => {
    const form = await createForm({
      ctx: admin,
      input: {
        name: "SMS",
        definition: definition({
          fields: [{ name: "phone", required: true }],
          topicIds: [topicByKey.deals!.id],
          doubleOptIn: true,
        }),
      },
    });
    const { res } = await post(form.key, { phone: "415-555-0188", _token: await tokenFrom(form.key), embed: "1" });
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    const id = /\/confirm\/code\/([0-9a-f-]{36})\?embed=1$/.exec(location)![1]!;
    const page = await codeGet(new Request(`${BASE}${location}`), params({ confirmationId: id }));
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors *");
    expect(await page.text()).toContain("Enter your code");

    const submit = (code: string) =>
      codePost(
        new Request(`${BASE}/confirm/code/${id}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ intent: "confirm", code }),
        }),
        params({ confirmationId: id }),
      );
    const code = transport.codeFor("+14155550188");
    const wrong = await submit(code === "999999" ? "000000" : "999999");
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("4 tries left");
    const right = await submit(code);
    expect(right.status).toBe(200);
    expect(await right.text()).toContain("You&#39;re subscribed");
  });

  it("a filled honeypot answers the normal success page and records nothing", async () => {
    const form = await createForm({
      ctx: admin,
      input: { name: "Bots", definition: definition({ doubleOptIn: true }) },
    });
    const token = await tokenFrom(form.key);
    const before = await countRows();
    const { res } = await post(form.key, { email: "bot@example.com", website: "http://spam.example", _token: token });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/f/${form.key}/done?check=email`);
    expect(await countRows()).toEqual(before);
  });

  it("a missing, altered, foreign, expired or cross-site form token answers 403 and records nothing", async () => {
    const form = await createForm({ ctx: admin, input: { name: "CSRF", definition: definition() } });
    const other = await createForm({ ctx: admin, input: { name: "Other", definition: definition() } });
    const good = await tokenFrom(form.key);
    const altered = good.slice(0, -1) + (good.endsWith("0") ? "1" : "0");
    const stale = issueFormToken(form.key, new Date(Date.now() - 5 * 3600_000));
    const before = await countRows();
    const cases: [string, Record<string, string>, Record<string, string>][] = [
      ["missing", { email: "csrf@example.com" }, {}],
      ["altered", { email: "csrf@example.com", _token: altered }, {}],
      ["other form's", { email: "csrf@example.com", _token: await tokenFrom(other.key) }, {}],
      ["expired", { email: "csrf@example.com", _token: stale }, {}],
      ["cross-site", { email: "csrf@example.com", _token: good }, { origin: "https://evil.example" }],
    ];
    for (const [name, fields, headers] of cases) {
      const { res, html } = await post(form.key, fields, headers);
      expect(res.status, name).toBe(403);
      // The person gets the form back, filled in, with a fresh token: one more click submits it.
      expect(html, name).toContain('value="csrf@example.com"');
      expect(html, name).toMatch(/name="_token" value="\d+\./);
    }
    expect(await countRows()).toEqual(before);

    // The plain HTML snippet on another site: no token → the re-rendered form; submitting that works.
    const { html } = await post(form.key, { email: "snippet@example.com" }, { origin: "https://shop.example" });
    const fresh = /name="_token" value="([^"]+)"/.exec(html)![1]!;
    const { res } = await post(form.key, { email: "snippet@example.com", _token: fresh }, { origin: BASE });
    expect(res.status).toBe(303);
    expect(await contactIdByEmail("snippet@example.com")).toBeTruthy();
  });

  it("invalid input re-renders the form with the message (400) and records nothing", async () => {
    const form = await createForm({ ctx: admin, input: { name: "Validation", definition: definition() } });
    const before = await countRows();
    const missing = await post(form.key, { email: "", _token: await tokenFrom(form.key) });
    expect(missing.res.status).toBe(400);
    expect(missing.html).toContain("Email is required");
    const bad = await post(form.key, { email: "not-an-email", _token: await tokenFrom(form.key) });
    expect(bad.res.status).toBe(400);
    expect(bad.html).toContain("Enter a valid email address");
    expect(bad.html).toContain('aria-invalid="true"');
    expect(await countRows()).toEqual(before);
  });

  it("a forged X-Forwarded-For is neither the evidence's IP nor a way around the per-IP limit", async () => {
    const form = await createForm({ ctx: admin, input: { name: "Forged", definition: definition() } });
    ipCounter += 1;
    const { res } = await post(
      form.key,
      { email: "forged@example.com", _token: await tokenFrom(form.key) },
      { "x-forwarded-for": "203.0.113.250", "x-real-ip": "203.0.113.251" },
    );
    expect(res.status).toBe(303);
    const [event] = await eventsFor((await contactIdByEmail("forged@example.com"))!);
    expect(event!.evidence).toMatchObject({ ip: ip(), ipSource: "socket" });
    expect(JSON.stringify(event!.evidence)).not.toContain("203.0.113.25");

    // Rotating the forged header does not give a fresh per-IP budget: the socket address is the key.
    const flood = await createForm({ ctx: admin, input: { name: "Forged flood", definition: definition() } });
    const token = await tokenFrom(flood.key);
    ipCounter += 1;
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++)
      statuses.push(
        (await post(flood.key, { email: "", _token: token }, { "x-forwarded-for": `203.0.113.${i}` })).res.status,
      );
    expect(statuses[20]).toBe(429);
  });

  it("behind a trusted proxy (TRUSTED_PROXIES), the proxy's X-Forwarded-For names the client and the evidence says so", async () => {
    process.env.TRUSTED_PROXIES = "10.0.0.0/8";
    resetEnv();
    try {
      const form = await createForm({ ctx: admin, input: { name: "Proxied", definition: definition() } });
      const { res } = await post(
        form.key,
        { email: "proxied@example.com", _token: await tokenFrom(form.key) },
        { [SOCKET_ADDRESS_HEADER]: "10.1.2.3", "x-forwarded-for": "1.2.3.4, 198.51.100.77" },
      );
      expect(res.status).toBe(303);
      const [event] = await eventsFor((await contactIdByEmail("proxied@example.com"))!);
      expect(event!.evidence).toMatchObject({ ip: "198.51.100.77", ipSource: "trusted_proxy" });
    } finally {
      delete process.env.TRUSTED_PROXIES;
      resetEnv();
    }
  });

  it("too many submissions from one IP answer 429", async () => {
    const form = await createForm({ ctx: admin, input: { name: "Flood", definition: definition() } });
    const token = await tokenFrom(form.key);
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await post(form.key, { email: "", _token: token })).res.status);
    expect(statuses.slice(0, 20).every((s) => s === 400)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it("per-address limit: a fourth confirmation email within the hour is refused with 429", async () => {
    const form = await createForm({
      ctx: admin,
      input: { name: "Limit", definition: definition({ doubleOptIn: true }) },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      ipCounter += 1; // different IPs: the address limit is what bites
      statuses.push(
        (await post(form.key, { email: "limit@example.com", _token: await tokenFrom(form.key) })).res.status,
      );
    }
    expect(statuses).toEqual([303, 303, 303, 429]);
    expect(transport.emails.filter((e) => e.to === "limit@example.com")).toHaveLength(3);
  });
});

describe("form versions", () => {
  it("editing a form makes version 2; submissions of v1 keep their version in the evidence", async () => {
    const form = await createForm({ ctx: admin, input: { name: "Versioned", definition: definition() } });
    await post(form.key, { email: "v1@example.com", _token: await tokenFrom(form.key) });
    const newText = "Yes, send me updates and occasional surveys. Unsubscribe any time.";
    const edited = await updateForm({
      ctx: admin,
      input: { id: form.id, definition: definition({ consentText: newText }) },
    });
    expect(edited.currentVersion).toBe(2);
    expect(edited.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(edited.versions[0]!.changed).toEqual(["consentText"]);
    expect(edited.versions[0]!.consentTextHash).toBe(sha256Hex(newText));
    const { html } = await getPage(form.key);
    expect(html).toContain("occasional surveys");
    await post(form.key, { email: "v2@example.com", _token: await tokenFrom(form.key) });

    const v1 = (await eventsFor((await contactIdByEmail("v1@example.com"))!))[0]!;
    const v2 = (await eventsFor((await contactIdByEmail("v2@example.com"))!))[0]!;
    expect(v1.evidence).toMatchObject({ formVersion: `${form.id}@v1`, textHash: sha256Hex(CONSENT) });
    expect(v2.evidence).toMatchObject({ formVersion: `${form.id}@v2`, textHash: sha256Hex(newText) });

    // Saving the same definition again adds no version; a rename alone only renames.
    const same = await updateForm({
      ctx: admin,
      input: { id: form.id, name: "Renamed", definition: definition({ consentText: newText }) },
    });
    expect(same.currentVersion).toBe(2);
    expect(same.name).toBe("Renamed");
    const listed = (await listForms({ ctx: admin })).find((f) => f.id === form.id)!;
    expect(listed.signups).toBe(2);
  });

  it("refuses topics the form's fields cannot reach and topics of another workspace", async () => {
    await expect(
      createForm({ ctx: admin, input: { name: "Bad", definition: definition({ topicIds: [topicByKey.deals!.id] }) } }),
    ).rejects.toMatchObject({ code: "INVALID", field: "definition.topicIds" });
    const otherWs = await createWorkspace(handle.db);
    await ensureDefaultTopics(handle.db, otherWs.id, new Date());
    const [foreign] = await handle.db
      .select()
      .from(topics)
      .where(and(eq(topics.workspaceId, otherWs.id), eq(topics.key, "newsletter")));
    await expect(
      createForm({ ctx: admin, input: { name: "Bad", definition: definition({ topicIds: [foreign!.id] }) } }),
    ).rejects.toMatchObject({
      code: "INVALID",
    });
  });

  it("marketers can read forms but only admins can change them; another workspace's form is not found", async () => {
    const marketer = await createMember(handle.db, workspaceId, "marketer");
    const membership = await resolveSessionMembership(handle.db, marketer.user.id, workspaceId);
    const caller = createCaller({
      db: handle.db,
      now: systemClock,
      outbox: getOutbox(),
      requestId: "t",
      auth: { kind: "session", membership: membership! },
      headers: new Headers(),
    });
    const form = await createForm({ ctx: admin, input: { name: "Perms", definition: definition() } });
    expect((await caller.forms.list()).items.some((f) => f.id === form.id)).toBe(true);
    expect((await caller.forms.get({ id: form.id })).key).toBe(form.key);
    await expect(caller.forms.update({ id: form.id, name: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller.forms.create({ name: "x", definition: definition() })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });

    const otherWs = await createWorkspace(handle.db);
    const stranger = await createMember(handle.db, otherWs.id, "owner");
    await expect(getForm({ ctx: stranger.ctx, input: { id: form.id } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await handle.db.select().from(contacts).where(eq(contacts.workspaceId, otherWs.id))).length).toBe(0);
  });
});
