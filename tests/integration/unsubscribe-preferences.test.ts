import { getOutbox } from "@/server/wiring";
import { randomUUID } from "node:crypto";
import { and, count, eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { getRewrittenUrl, isRewrite, unstable_doesMiddlewareMatch } from "next/experimental/testing/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { consentEvents, topics, type Channel } from "@/db/schema";
import { POST as postUnsubscribe } from "@/app/u/[token]/one-click/route";
import { config as proxyConfig, proxy } from "@/proxy";
import type { Clock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { createTokenCodec, signToken } from "@/server/lib/tokens";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { getConsentStates } from "@/server/services/consent/get-consent-states";
import { upsertContact } from "@/server/services/contacts";
import type { ServiceContext } from "@/server/services/context";
import { getPreferences } from "@/server/services/preferences/get-preferences";
import { getUnsubscribeContext } from "@/server/services/preferences/get-unsubscribe-context";
import { savePreferences } from "@/server/services/preferences/save-preferences";
import { unsubscribeOneClick } from "@/server/services/preferences/unsubscribe-one-click";
import { ensureDefaultTopics, findTopicByKey } from "@/server/services/topics";
import { createWorkspace, systemContext } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";

let handle: DbHandle;
let workspaceId: string;
let otherWorkspaceId: string;
let topicIds: Record<"newsletter" | "promotions" | "account-notices", string>;

/** Every reading moves one second on, so an opt-in after an opt-out is really later. */
function advancingClock(): Clock {
  let t = Date.now();
  return () => new Date((t += 1000));
}
const clock = advancingClock();
const link = () => ({ db: handle.db, now: clock, outbox: getOutbox() });
const evidence = { ip: "203.0.113.9", text: "Yes, send me news." };

async function createContact(
  input: { email?: string; phone?: string } = {
    email: `ann-${randomUUID().slice(0, 6)}@example.com`,
    phone: undefined,
  },
) {
  const ctx: ServiceContext = { ...systemContext(handle.db, workspaceId), now: clock };
  const { contact } = await upsertContact({ ctx, input });
  return { id: contact.id, ctx };
}

async function optIn(contactId: string, channel: Channel, topicKey: string) {
  await recordConsentChange({
    ctx: { ...systemContext(handle.db, workspaceId), now: clock },
    input: { contactId, channel, topicKey, action: "opted_in", source: "api", evidence },
  });
}

async function eventCount(contactId: string): Promise<number> {
  const [row] = await handle.db
    .select({ n: count() })
    .from(consentEvents)
    .where(eq(consentEvents.contactId, contactId));
  return row!.n;
}

async function statusOf(contactId: string, channel: Channel, topic: string) {
  const { states } = await getConsentStates({ ctx: systemContext(handle.db, workspaceId), input: { id: contactId } });
  return states.find((s) => s.channel === channel && s.topic === topic) ?? null;
}

function unsubscribeToken(
  contactId: string,
  overrides: Partial<{ workspaceId: string; channel: Channel; topicId: string; expiresAt: Date | null }> = {},
) {
  const { expiresAt, ...claims } = overrides;
  return signToken(
    "unsubscribe",
    { workspaceId, contactId, channel: "email", topicId: topicIds.newsletter, ...claims },
    { expiresAt },
  );
}

function preferencesToken(contactId: string, channel?: Channel, options: { expiresAt?: Date | null } = {}) {
  return signToken(
    "preferences",
    { workspaceId, contactId, ...(channel ? { channel } : {}) },
    { now: clock(), ...options },
  );
}

/** `POST /u/{token}` as a mail provider sends it: form-encoded, no cookie, no session. */
function oneClick(
  token: string,
  body: BodyInit = "List-Unsubscribe=One-Click",
  contentType: string | null = "application/x-www-form-urlencoded",
) {
  const request = new Request(`http://localhost:3000/u/${token}`, {
    method: "POST",
    headers: contentType ? { "content-type": contentType } : {},
    body,
  });
  return postUnsubscribe(request, { params: Promise.resolve({ token }) });
}

function tamper(token: string): string {
  const i = Math.floor(token.length / 2);
  return token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
}

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { name: "Acme Coffee" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, workspaceId, new Date());
  const other = await createWorkspace(handle.db);
  otherWorkspaceId = other.id;
  await ensureDefaultTopics(handle.db, otherWorkspaceId, new Date());
  topicIds = {
    newsletter: (await findTopicByKey(handle.db, workspaceId, "newsletter"))!.id,
    promotions: (await findTopicByKey(handle.db, workspaceId, "promotions"))!.id,
    "account-notices": (await findTopicByKey(handle.db, workspaceId, "account-notices"))!.id,
  };
});
afterAll(async () => {
  await closeDb();
});

describe("unsubscribe link (/u/{token})", () => {
  it("reading the page says what is being unsubscribed from and changes nothing", async () => {
    const { id } = await createContact({ email: "ann.lee@example.com" });
    await optIn(id, "email", "newsletter");
    const before = await eventCount(id);
    const context = await getUnsubscribeContext({ ctx: link(), input: { token: unsubscribeToken(id) } });
    expect(context).toMatchObject({
      workspaceName: "Acme Coffee",
      topic: { key: "newsletter", name: "Newsletter" },
      channel: "email",
      maskedAddress: "a•••@example.com",
      status: "opted_in",
    });
    await getUnsubscribeContext({ ctx: link(), input: { token: unsubscribeToken(id) } });
    expect(await eventCount(id)).toBe(before);
    expect((await statusOf(id, "email", "newsletter"))?.status).toBe("opted_in");
  });

  it("one-click POST with no cookie answers 200 (no redirect) and opts out of that topic on that channel only", async () => {
    const { id } = await createContact({ email: "bo@example.com", phone: "+14155550101" });
    await optIn(id, "email", "newsletter");
    await optIn(id, "email", "account-notices");
    await optIn(id, "sms", "promotions");
    const before = await eventCount(id);
    const res = await oneClick(unsubscribeToken(id));
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
    expect(await statusOf(id, "email", "newsletter")).toMatchObject({ status: "opted_out", source: "one_click" });
    expect((await statusOf(id, "email", "account-notices"))?.status).toBe("opted_in");
    expect((await statusOf(id, "sms", "promotions"))?.status).toBe("opted_in");
    expect(await eventCount(id)).toBe(before + 1);
  });

  it("a second one-click changes nothing more: still 200, exactly one ledger event", async () => {
    const { id } = await createContact();
    await optIn(id, "email", "newsletter");
    const before = await eventCount(id);
    const token = unsubscribeToken(id);
    expect((await oneClick(token)).status).toBe(200);
    expect((await oneClick(token)).status).toBe(200);
    const concurrent = await Promise.all(Array.from({ length: 4 }, () => oneClick(token)));
    expect(concurrent.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await eventCount(id)).toBe(before + 1);
  });

  it("concurrent first clicks record exactly one opt-out", async () => {
    const { id } = await createContact();
    await optIn(id, "email", "newsletter");
    const before = await eventCount(id);
    const token = unsubscribeToken(id);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => unsubscribeOneClick({ ctx: link(), input: { token } })),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(await eventCount(id)).toBe(before + 1);
  });

  it("accepts the multipart form body RFC 8058 recommends, and an SMS topic's token opts out on SMS", async () => {
    const { id } = await createContact({ phone: "+14155550102" });
    await optIn(id, "sms", "promotions");
    const body = new FormData();
    body.set("List-Unsubscribe", "One-Click");
    const res = await oneClick(unsubscribeToken(id, { channel: "sms", topicId: topicIds.promotions }), body, null);
    expect(res.status).toBe(200);
    expect((await statusOf(id, "sms", "promotions"))?.status).toBe("opted_out");
  });

  it("an opt-out is recorded even when nothing was recorded before", async () => {
    const { id } = await createContact();
    expect((await oneClick(unsubscribeToken(id))).status).toBe(200);
    expect((await statusOf(id, "email", "newsletter"))?.status).toBe("opted_out");
  });

  it("tampered, foreign-secret, foreign-workspace, wrong-channel and expired tokens answer 404 and change nothing", async () => {
    const { id } = await createContact({ email: "cy@example.com" });
    await optIn(id, "email", "newsletter");
    const before = await eventCount(id);
    const otherNewsletter = (await findTopicByKey(handle.db, otherWorkspaceId, "newsletter"))!.id;
    const bad = [
      tamper(unsubscribeToken(id)),
      createTokenCodec("some-other-secret-some-other-secret-0000").sign("unsubscribe", {
        workspaceId,
        contactId: id,
        channel: "email",
        topicId: topicIds.newsletter,
      }),
      unsubscribeToken(id, { workspaceId: otherWorkspaceId }),
      unsubscribeToken(id, { workspaceId: otherWorkspaceId, topicId: otherNewsletter }),
      unsubscribeToken(id, { topicId: otherNewsletter }),
      unsubscribeToken(id, { channel: "sms" }),
      unsubscribeToken(randomUUID()),
      unsubscribeToken(id, { expiresAt: new Date(Date.now() - 60_000) }),
      preferencesToken(id, "email"),
      "x".repeat(600),
    ];
    for (const token of bad) {
      const res = await oneClick(token);
      expect(res.status, token).toBe(404);
      await expect(getUnsubscribeContext({ ctx: link(), input: { token } })).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    }
    expect(await eventCount(id)).toBe(before);
    expect((await statusOf(id, "email", "newsletter"))?.status).toBe("opted_in");
  });

  it("the page's button redirects back to the confirmation; the optional reason is kept once as evidence.note", async () => {
    const { id } = await createContact();
    await optIn(id, "email", "newsletter");
    const token = unsubscribeToken(id);
    const before = await eventCount(id);
    const click = await oneClick(token, "List-Unsubscribe=One-Click&via=page");
    expect(click.status).toBe(303);
    expect(click.headers.get("location")).toBe(`/u/${token}?done=1`);
    expect(await eventCount(id)).toBe(before + 1);

    const feedback = await oneClick(token, new URLSearchParams({ via: "page", reason: "Too many emails" }).toString());
    expect(feedback.status).toBe(303);
    expect(feedback.headers.get("location")).toBe(`/u/${token}?feedback=sent`);
    expect(await eventCount(id)).toBe(before + 2);
    const [latest] = await handle.db
      .select({ evidence: consentEvents.evidence, action: consentEvents.action, source: consentEvents.source })
      .from(consentEvents)
      .where(and(eq(consentEvents.contactId, id)))
      .orderBy(consentEvents.seq)
      .then((rows) => rows.slice(-1));
    expect(latest).toMatchObject({ action: "opted_out", source: "one_click", evidence: { note: "Too many emails" } });

    await oneClick(token, new URLSearchParams({ via: "page", reason: "Again" }).toString());
    expect(await eventCount(id)).toBe(before + 2);
    expect((await statusOf(id, "email", "newsletter"))?.status).toBe("opted_out");
  });

  it("proxy.ts sends POST /u/{token} to the one-click route and leaves GETs and Server Actions to the page", () => {
    const url = "http://localhost:3000/u/abcDEF_-123";
    expect(unstable_doesMiddlewareMatch({ config: proxyConfig, url })).toBe(true);
    expect(unstable_doesMiddlewareMatch({ config: proxyConfig, url: "http://localhost:3000/u/abc/one-click" })).toBe(
      false,
    );
    // The preference page passes through only for its security headers: never rewritten or redirected.
    const preferences = proxy(new NextRequest("http://localhost:3000/preferences/abc"));
    expect(isRewrite(preferences)).toBe(false);
    expect(preferences.headers.get("location")).toBeNull();

    const post = proxy(new NextRequest(url, { method: "POST", body: "List-Unsubscribe=One-Click" }));
    expect(isRewrite(post)).toBe(true);
    expect(getRewrittenUrl(post)).toBe("http://localhost:3000/u/abcDEF_-123/one-click");
    expect(isRewrite(proxy(new NextRequest(url)))).toBe(false);
    expect(
      isRewrite(proxy(new NextRequest(url, { method: "POST", headers: { "next-action": "abc123" }, body: "[]" }))),
    ).toBe(false);
  });
});

describe("preference center (/preferences/{token})", () => {
  it("lists every non-archived topic on every channel it is offered on, with the current choice", async () => {
    const [archived] = await handle.db
      .insert(topics)
      .values({
        workspaceId,
        key: `old-${randomUUID().slice(0, 6)}`,
        name: "Old deals",
        channels: ["email"],
        kind: "marketing",
        archivedAt: new Date(),
      })
      .returning();
    const { id } = await createContact({ email: "di@example.com" });
    await optIn(id, "email", "newsletter");
    const before = await eventCount(id);
    const preferences = await getPreferences({ ctx: link(), input: { token: preferencesToken(id, "email") } });
    expect(preferences.workspaceName).toBe("Acme Coffee");
    expect(preferences.addresses).toEqual({ email: "d•••@example.com", sms: null });
    const pairs = preferences.topics.flatMap((t) =>
      t.channels.map((c) => `${t.key}/${c.channel}/${c.status ?? "none"}/${c.hasAddress}`),
    );
    expect(pairs.sort()).toEqual(
      [
        "account-notices/email/none/true",
        "account-notices/sms/none/false",
        "newsletter/email/opted_in/true",
        "promotions/sms/none/false",
      ].sort(),
    );
    expect(preferences.topics.some((t) => t.id === archived!.id)).toBe(false);
    expect(await eventCount(id)).toBe(before);
  });

  it("saving records ledger events with source preference_center only for the pairs that changed", async () => {
    const { id } = await createContact({ email: `eve-${randomUUID().slice(0, 6)}@example.com`, phone: "+14155550103" });
    await optIn(id, "email", "newsletter");
    await optIn(id, "email", "account-notices");
    const token = preferencesToken(id, "email");
    const before = await eventCount(id);
    // The whole form, as submitted: one real change (account notices by email off), the rest unchanged.
    const { changes, preferences } = await savePreferences({
      ctx: link(),
      input: {
        token,
        choices: [
          { topicId: topicIds.newsletter, channel: "email", subscribed: true },
          { topicId: topicIds["account-notices"], channel: "email", subscribed: false },
          { topicId: topicIds["account-notices"], channel: "sms", subscribed: false },
          { topicId: topicIds.promotions, channel: "sms", subscribed: false },
        ],
        reason: "Only want the newsletter",
        evidence: { ip: "198.51.100.7", userAgent: "Vitest" },
      },
    });
    expect(changes).toEqual([{ topicKey: "account-notices", channel: "email", status: "opted_out" }]);
    expect(await eventCount(id)).toBe(before + 1);
    expect(await statusOf(id, "email", "account-notices")).toMatchObject({
      status: "opted_out",
      source: "preference_center",
    });
    expect((await statusOf(id, "email", "newsletter"))?.source).toBe("api");
    const [event] = await handle.db
      .select()
      .from(consentEvents)
      .where(and(eq(consentEvents.contactId, id), eq(consentEvents.source, "preference_center")));
    expect(event).toMatchObject({
      actorType: "contact",
      actorId: id,
      evidence: { ip: "198.51.100.7", userAgent: "Vitest", note: "Only want the newsletter" },
    });
    expect(
      preferences.topics.find((t) => t.key === "account-notices")?.channels.find((c) => c.channel === "email")?.status,
    ).toBe("opted_out");

    // The same form again: nothing left to change.
    const again = await savePreferences({
      ctx: link(),
      input: { token, choices: [{ topicId: topicIds["account-notices"], channel: "email", subscribed: false }] },
    });
    expect(again.changes).toEqual([]);
    expect(await eventCount(id)).toBe(before + 1);
  });

  it("granting a double opt-in topic by SMS through the page is pending, not consent", async () => {
    const { id } = await createContact({ email: `fay-${randomUUID().slice(0, 6)}@example.com`, phone: "+14155550104" });
    const { changes } = await savePreferences({
      ctx: link(),
      input: {
        token: preferencesToken(id, "email"),
        choices: [{ topicId: topicIds.promotions, channel: "sms", subscribed: true }],
      },
    });
    expect(changes).toEqual([{ topicKey: "promotions", channel: "sms", status: "pending" }]);
    expect(await statusOf(id, "sms", "promotions")).toMatchObject({ status: "pending", source: "preference_center" });
    const [event] = await handle.db.select().from(consentEvents).where(eq(consentEvents.contactId, id));
    expect(event).toMatchObject({ action: "opted_in", needsConfirmation: true });
    expect(event!.evidence.textHash).toMatch(/^[0-9a-f]{64}$/);

    const view = await getPreferences({ ctx: link(), input: { token: preferencesToken(id, "sms") } });
    expect(view.topics.find((t) => t.key === "promotions")?.channels[0]?.status).toBe("pending");
    // Even a link delivered by SMS does not confirm an SMS grant: SMS consent is confirmed in-channel.
    await savePreferences({
      ctx: link(),
      input: {
        token: preferencesToken(id, "sms"),
        choices: [{ topicId: topicIds.promotions, channel: "sms", subscribed: true }],
      },
    });
    expect((await statusOf(id, "sms", "promotions"))?.status).toBe("pending");
  });

  it("granting a double opt-in email topic is pending through any link, even one delivered by email", async () => {
    const viaEmail = await createContact();
    await savePreferences({
      ctx: link(),
      input: {
        token: preferencesToken(viaEmail.id, "email"),
        choices: [{ topicId: topicIds.newsletter, channel: "email", subscribed: true }],
      },
    });
    expect(await statusOf(viaEmail.id, "email", "newsletter")).toMatchObject({
      status: "pending",
      source: "preference_center",
    });

    const unknownChannel = await createContact();
    await savePreferences({
      ctx: link(),
      input: {
        token: preferencesToken(unknownChannel.id),
        choices: [{ topicId: topicIds.newsletter, channel: "email", subscribed: true }],
      },
    });
    expect((await statusOf(unknownChannel.id, "email", "newsletter"))?.status).toBe("pending");

    const viaSms = await createContact({ email: `gus-${randomUUID().slice(0, 6)}@example.com`, phone: "+14155550105" });
    await savePreferences({
      ctx: link(),
      input: {
        token: preferencesToken(viaSms.id, "sms"),
        choices: [{ topicId: topicIds.newsletter, channel: "email", subscribed: true }],
      },
    });
    expect((await statusOf(viaSms.id, "email", "newsletter"))?.status).toBe("pending");
  });

  it("a topic without double opt-in is granted at once; withdrawing a pending grant needs no verification", async () => {
    const { id } = await createContact({ email: `hal-${randomUUID().slice(0, 6)}@example.com`, phone: "+14155550106" });
    const token = preferencesToken(id);
    await savePreferences({
      ctx: link(),
      input: { token, choices: [{ topicId: topicIds["account-notices"], channel: "sms", subscribed: true }] },
    });
    expect((await statusOf(id, "sms", "account-notices"))?.status).toBe("opted_in");

    await savePreferences({
      ctx: link(),
      input: { token, choices: [{ topicId: topicIds.promotions, channel: "sms", subscribed: true }] },
    });
    expect((await statusOf(id, "sms", "promotions"))?.status).toBe("pending");
    await savePreferences({
      ctx: link(),
      input: { token, choices: [{ topicId: topicIds.promotions, channel: "sms", subscribed: false }] },
    });
    expect(await statusOf(id, "sms", "promotions")).toMatchObject({ status: "opted_out", source: "preference_center" });
  });

  it("refuses to switch on a channel the contact has no address for, and pairs that are not offered", async () => {
    const { id } = await createContact();
    const token = preferencesToken(id, "email");
    await expect(
      savePreferences({
        ctx: link(),
        input: { token, choices: [{ topicId: topicIds.promotions, channel: "sms", subscribed: true }] },
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
    await expect(
      savePreferences({
        ctx: link(),
        input: { token, choices: [{ topicId: topicIds.newsletter, channel: "sms", subscribed: true }] },
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
    const otherNewsletter = (await findTopicByKey(handle.db, otherWorkspaceId, "newsletter"))!.id;
    await expect(
      savePreferences({
        ctx: link(),
        input: { token, choices: [{ topicId: otherNewsletter, channel: "email", subscribed: true }] },
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
    expect(await eventCount(id)).toBe(0);
  });

  it("unsubscribe from everything opts out of every marketing topic on every channel and keeps transactional ones", async () => {
    const { id } = await createContact({ email: `ida-${randomUUID().slice(0, 6)}@example.com`, phone: "+14155550107" });
    await optIn(id, "email", "newsletter");
    await optIn(id, "sms", "promotions");
    await optIn(id, "email", "account-notices");
    const token = preferencesToken(id, "email");
    const { changes } = await savePreferences({
      ctx: link(),
      input: { token, unsubscribeAll: true, reason: "Moving away" },
    });
    expect(changes.map((c) => `${c.topicKey}/${c.channel}/${c.status}`).sort()).toEqual([
      "newsletter/email/opted_out",
      "promotions/sms/opted_out",
    ]);
    expect(await statusOf(id, "email", "newsletter")).toMatchObject({
      status: "opted_out",
      source: "preference_center",
    });
    expect(await statusOf(id, "sms", "promotions")).toMatchObject({ status: "opted_out", source: "preference_center" });
    expect((await statusOf(id, "email", "account-notices"))?.status).toBe("opted_in");
    const notes = await handle.db
      .select({ evidence: consentEvents.evidence })
      .from(consentEvents)
      .where(and(eq(consentEvents.contactId, id), eq(consentEvents.source, "preference_center")));
    expect(notes.map((n) => n.evidence.note)).toEqual(["Moving away", "Moving away"]);

    const before = await eventCount(id);
    expect((await savePreferences({ ctx: link(), input: { token, unsubscribeAll: true } })).changes).toEqual([]);
    expect(await eventCount(id)).toBe(before);
  });

  it("unsubscribe from everything also puts never-granted marketing pairs on record as opted out", async () => {
    const { id } = await createContact({ email: `jo-${randomUUID().slice(0, 6)}@example.com`, phone: "+14155550108" });
    await savePreferences({ ctx: link(), input: { token: preferencesToken(id, "email"), unsubscribeAll: true } });
    expect((await statusOf(id, "email", "newsletter"))?.status).toBe("opted_out");
    expect((await statusOf(id, "sms", "promotions"))?.status).toBe("opted_out");
    expect(await statusOf(id, "email", "account-notices")).toBeNull();
  });

  it("tampered, foreign, expired or wrong-purpose preference tokens are NOT_FOUND and change nothing", async () => {
    const { id } = await createContact();
    await optIn(id, "email", "newsletter");
    const before = await eventCount(id);
    const bad = [
      tamper(preferencesToken(id, "email")),
      preferencesToken(id, "email", { expiresAt: new Date(Date.now() - 1000) }),
      signToken("preferences", { workspaceId: otherWorkspaceId, contactId: id }),
      createTokenCodec("some-other-secret-some-other-secret-0000").sign("preferences", { workspaceId, contactId: id }),
      unsubscribeToken(id),
      "",
    ];
    for (const token of bad) {
      await expect(getPreferences({ ctx: link(), input: { token } })).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(
        savePreferences({
          ctx: link(),
          input: { token, choices: [{ topicId: topicIds.newsletter, channel: "email", subscribed: false }] },
        }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(savePreferences({ ctx: link(), input: { token, unsubscribeAll: true } })).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    }
    expect(await eventCount(id)).toBe(before);
  });
});
