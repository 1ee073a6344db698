import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import {
  consentConfirmations,
  consentEvents,
  consentStates,
  contacts,
  topics,
  workspaces,
  type TopicRow,
} from "@/db/schema";
import { GET as formGet, POST as formPost } from "@/app/f/[formKey]/route";
import { SOCKET_ADDRESS_HEADER } from "@/server/lib/client-address";
import { systemClock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { issueFormToken } from "@/server/lib/form-token";
import { sha256Hex } from "@/server/lib/hashing";
import { createForm } from "@/server/services/forms/create-form";
import type { TFormDefinitionInput } from "@/server/services/forms/schemas";
import { submitForm, TOPIC_CHOICE_ERRORS, type SubmitFormInput } from "@/server/services/forms/submit-form";
import type { ServiceContext } from "@/server/services/context";
import { toContact } from "@/server/services/contacts/rows";
import { createTopic, ensureDefaultTopics } from "@/server/services/topics";
import { readableAccent } from "@/server/shared/workspace-profile";
import { createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { installRecordingTransports } from "@/tests/helpers/recording-transports";
import { getOutbox } from "@/server/wiring";

/**
 * A hosted form offering several topics: the person ticks what they want (nothing is ticked for
 * them), and consent is recorded for the ticked topics only, each with the form's consent text and
 * version as evidence. A topic the form does not offer, or no topic at all, is refused and records
 * nothing. A single-topic form has nothing to tick.
 */

const BASE = "http://localhost:3000";
const CONSENT = "Yes, email me the topics I ticked. I can unsubscribe at any time.";
let handle: DbHandle;
let workspaceId: string;
let admin: ServiceContext;
let topicByKey: Record<string, TopicRow>;
let transport: ReturnType<typeof installRecordingTransports>;
let ipCounter = 0;

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { name: "Acme Coffee", defaultRegion: "US" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  admin = (await createMember(handle.db, ws.id, "admin")).ctx;
  for (const [key, name, channels] of [
    ["spring-sale", "Spring sale", ["email"]],
    ["roast-notes", "Roast notes", ["email"]],
    ["text-deals", "Text deals", ["sms"]],
  ] as const) {
    await createTopic({ ctx: admin, input: { key, name, channels: [...channels], kind: "marketing" } });
  }
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

const ip = () => `203.0.113.${ipCounter}`;
const params = <T extends object>(value: T) => ({ params: Promise.resolve(value) });

async function multiTopicForm(overrides: Partial<TFormDefinitionInput> = {}) {
  return createForm({
    ctx: admin,
    input: {
      name: `Choice ${Math.random().toString(36).slice(2, 8)}`,
      definition: {
        title: "Pick your news",
        fields: [
          { name: "email", required: false },
          { name: "phone", required: false },
        ],
        topicIds: ["spring-sale", "roast-notes", "text-deals"].map((k) => topicByKey[k]!.id),
        consentText: CONSENT,
        doubleOptIn: false,
        ...overrides,
      },
    },
  });
}

function input(key: string, values: Record<string, string>, ticked?: string[]): SubmitFormInput {
  return {
    key,
    values,
    meta: { ip: ip(), ipSource: "socket", userAgent: "topic choice test", url: `${BASE}/f/${key}` },
    csrf: issueFormToken(key, new Date()),
    topics: ticked,
  };
}

const ctx = () => ({ db: handle.db, now: systemClock, outbox: getOutbox(), requestId: "topic-choice" });

/** The contact holding this email (decrypted here: the test database is small). */
async function contactIdByEmail(email: string): Promise<string | null> {
  const rows = await handle.db.select().from(contacts).where(eq(contacts.workspaceId, workspaceId));
  return rows.map(toContact).find((c) => c.email === email)?.id ?? null;
}

async function statesOf(contactId: string) {
  const rows = await handle.db.select().from(consentStates).where(eq(consentStates.contactId, contactId));
  const keyOf = new Map(Object.values(topicByKey).map((t) => [t.id, t.key]));
  return Object.fromEntries(rows.map((r) => [`${r.channel}:${keyOf.get(r.topicId)}`, r.status]));
}

async function counts() {
  const [c] = await handle.queryRows<{ n: number }>("select count(*)::int as n from contacts");
  const [e] = await handle.queryRows<{ n: number }>("select count(*)::int as n from consent_events");
  return { contacts: c!.n, events: e!.n, emails: transport.emails.length, sms: transport.sms.length };
}

describe("submitForm with the topics the person chose", () => {
  it("records consent for the ticked topics only, each with the form's consent text and version", async () => {
    const form = await multiTopicForm();
    const result = await submitForm({
      ctx: ctx(),
      input: input(form.key, { email: "rita@example.com" }, ["spring-sale"]),
    });
    expect(result.status).toBe("submitted");

    const contactId = (await contactIdByEmail("rita@example.com"))!;
    expect(await statesOf(contactId)).toEqual({ "email:spring-sale": "opted_in" });
    const events = await handle.db
      .select()
      .from(consentEvents)
      .where(eq(consentEvents.contactId, contactId))
      .orderBy(asc(consentEvents.seq));
    expect(events.map((e) => e.topicId)).toEqual([topicByKey["spring-sale"]!.id]);
    expect(events[0]!.evidence).toMatchObject({
      textHash: sha256Hex(CONSENT),
      formVersion: `${form.id}@v1`,
      url: `${BASE}/f/${form.key}`,
    });
  });

  it("records each of several ticked topics on the channel it is offered on, and nothing unticked", async () => {
    const form = await multiTopicForm();
    const result = await submitForm({
      ctx: ctx(),
      input: input(form.key, { email: "sam@example.com", phone: "+1 415 555 0161" }, ["text-deals", "roast-notes"]),
    });
    expect(result.status).toBe("submitted");
    // A new email and a new phone make one new contact.
    expect(await statesOf((await contactIdByEmail("sam@example.com"))!)).toEqual({
      "email:roast-notes": "opted_in",
      "sms:text-deals": "opted_in",
    });
  });

  it("refuses a topic the form does not offer (even one of the workspace) and records nothing", async () => {
    const form = await multiTopicForm();
    const before = await counts();
    for (const ticked of [["newsletter"], ["spring-sale", "not-a-topic"], ["spring-sale", "promotions"]]) {
      const result = await submitForm({ ctx: ctx(), input: input(form.key, { email: "mal@example.com" }, ticked) });
      expect(result).toMatchObject({ status: "invalid", errors: { topics: TOPIC_CHOICE_ERRORS.unknown } });
      // What the person did tick of the form's own topics comes back ticked.
      if (result.status === "invalid") expect(result.topics).toEqual(ticked.filter((t) => t === "spring-sale"));
    }
    expect(await counts()).toEqual(before);
    expect(await contactIdByEmail("mal@example.com")).toBeNull();
  });

  it("refuses a submission with no topic ticked on a form offering several, and records nothing", async () => {
    const form = await multiTopicForm();
    const before = await counts();
    for (const ticked of [undefined, []]) {
      const result = await submitForm({ ctx: ctx(), input: input(form.key, { email: "nobody@example.com" }, ticked) });
      expect(result).toMatchObject({ status: "invalid", errors: { topics: "Choose at least one topic" } });
    }
    expect(await counts()).toEqual(before);
  });

  it("refuses a ticked topic the person gave no address for (a text topic without a phone)", async () => {
    const form = await multiTopicForm();
    const before = await counts();
    const result = await submitForm({
      ctx: ctx(),
      input: input(form.key, { email: "nophone@example.com" }, ["spring-sale", "text-deals"]),
    });
    expect(result).toMatchObject({
      status: "invalid",
      errors: { phone: "Enter your mobile phone number to get Text deals" },
    });
    expect(await counts()).toEqual(before);
  });

  it("with double opt-in, asks to confirm the ticked topics only", async () => {
    const form = await multiTopicForm({ doubleOptIn: true });
    const result = await submitForm({
      ctx: ctx(),
      input: input(form.key, { email: "dora@example.com" }, ["roast-notes"]),
    });
    expect(result).toMatchObject({ status: "submitted", emailPending: true, smsPending: false });
    const contactId = (await contactIdByEmail("dora@example.com"))!;
    expect(await statesOf(contactId)).toEqual({ "email:roast-notes": "pending" });
    const [request] = await handle.db
      .select()
      .from(consentConfirmations)
      .where(eq(consentConfirmations.contactId, contactId));
    expect(request!.topicIds).toEqual([topicByKey["roast-notes"]!.id]);
    expect(transport.emails.at(-1)!.text).toContain("Roast notes");
    expect(transport.emails.at(-1)!.text).not.toContain("Spring sale");
  });

  it("a single-topic form subscribes to its topic with nothing ticked, and refuses any other", async () => {
    const form = await multiTopicForm({ topicIds: [topicByKey["spring-sale"]!.id] });
    const ok = await submitForm({ ctx: ctx(), input: input(form.key, { email: "solo@example.com" }) });
    expect(ok.status).toBe("submitted");
    expect(await statesOf((await contactIdByEmail("solo@example.com"))!)).toEqual({ "email:spring-sale": "opted_in" });
    const same = await submitForm({
      ctx: ctx(),
      input: input(form.key, { email: "solo2@example.com" }, ["spring-sale"]),
    });
    expect(same.status).toBe("submitted");
    const other = await submitForm({
      ctx: ctx(),
      input: input(form.key, { email: "solo3@example.com" }, ["roast-notes"]),
    });
    expect(other).toMatchObject({ status: "invalid", errors: { topics: TOPIC_CHOICE_ERRORS.unknown } });
    expect(await contactIdByEmail("solo3@example.com")).toBeNull();
  });
});

describe("the hosted page of a form offering several topics", () => {
  async function page(key: string) {
    const res = await formGet(new Request(`${BASE}/f/${key}`), params({ formKey: key }));
    return { res, html: await res.text() };
  }

  async function post(key: string, body: URLSearchParams) {
    const { html } = await page(key);
    body.set("_token", /name="_token" value="([^"]+)"/.exec(html)![1]!);
    const res = await formPost(
      new Request(`${BASE}/f/${key}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", [SOCKET_ADDRESS_HEADER]: ip() },
        body,
      }),
      params({ formKey: key }),
    );
    return { res, html: await res.text() };
  }

  it("shows a checkbox per topic, none ticked; a single-topic form shows its topic without one", async () => {
    const form = await multiTopicForm();
    const { html } = await page(form.key);
    expect(html.match(/type="checkbox" [^>]*name="topics"/g)).toHaveLength(3);
    expect(html).not.toMatch(/type="checkbox"[^>]* checked/);
    expect(html).toContain('value="spring-sale"');
    expect(html.indexOf('name="topics"')).toBeLessThan(html.indexOf(CONSENT.slice(0, 20)));

    const single = await multiTopicForm({ topicIds: [topicByKey["roast-notes"]!.id] });
    const one = (await page(single.key)).html;
    expect(one).not.toContain('type="checkbox"');
    expect(one).toContain("Roast notes");
  });

  it("no topic ticked: 400, the form again with the message, the address kept, nothing recorded", async () => {
    const form = await multiTopicForm();
    const before = await counts();
    const { res, html } = await post(form.key, new URLSearchParams({ email: "kept@example.com" }));
    expect(res.status).toBe(400);
    expect(html).toContain("Choose at least one topic");
    expect(html).toContain('value="kept@example.com"');
    expect(html).toMatch(/aria-describedby="topics-error"/);
    expect(await counts()).toEqual(before);
  });

  it("an unoffered topic: 400, nothing recorded; the ticked offered ones stay ticked", async () => {
    const form = await multiTopicForm();
    const before = await counts();
    const body = new URLSearchParams({ email: "forged@example.com" });
    body.append("topics", "roast-notes");
    body.append("topics", "newsletter");
    const { res, html } = await post(form.key, body);
    expect(res.status).toBe(400);
    expect(html).toContain(TOPIC_CHOICE_ERRORS.unknown);
    expect(html).toMatch(/value="roast-notes" checked/);
    expect(html).not.toMatch(/value="spring-sale" checked/);
    expect(await counts()).toEqual(before);
  });

  it("one topic ticked: 303, and only that topic is opted in", async () => {
    const form = await multiTopicForm();
    const body = new URLSearchParams({ email: "tick@example.com" });
    body.append("topics", "spring-sale");
    const { res } = await post(form.key, body);
    expect(res.status).toBe(303);
    expect(await statesOf((await contactIdByEmail("tick@example.com"))!)).toEqual({ "email:spring-sale": "opted_in" });
  });

  it("wears the workspace's brand: its accent (made readable), its logo with its name as alt, allowed by the policy", async () => {
    const [ws] = await handle.db.select().from(workspaces).where(eq(workspaces.id, workspaceId));
    await handle.db
      .update(workspaces)
      .set({
        settings: {
          ...ws!.settings,
          profile: { accentColor: "#f59e0b", logoUrl: "https://cdn.example.com/acme.png" },
        },
      })
      .where(eq(workspaces.id, workspaceId));
    try {
      const form = await multiTopicForm();
      const { res, html } = await page(form.key);
      expect(html).toContain(`--hosted-accent:${readableAccent("#f59e0b")}`);
      expect(html).toContain('<img class="logo" src="https://cdn.example.com/acme.png" alt="Acme Coffee">');
      expect(html).toContain("Powered by OptIn Manager");
      expect(res.headers.get("content-security-policy")).toContain("img-src 'self' https:");
    } finally {
      await handle.db.update(workspaces).set({ settings: ws!.settings }).where(eq(workspaces.id, workspaceId));
    }
  });
});
