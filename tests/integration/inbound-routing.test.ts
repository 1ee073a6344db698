import { randomBytes } from "node:crypto";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import {
  auditLog,
  consentEvents,
  memberships,
  messages,
  suppressions,
  topics,
  webhookEvents,
  workspaces,
  type Channel,
} from "@/db/schema";
import { POST as postInbound } from "@/app/api/webhooks/[provider]/inbound/route";
import { webhookDrainIdle } from "@/server/services/webhooks";
import { createCaller } from "@/server/api/root";
import type { RequestAuth, TrpcContext } from "@/server/api/trpc";
import { blindIndex, decryptPii } from "@/server/lib/crypto";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { systemClock } from "@/server/lib/clock";
import { resetEnv } from "@/server/lib/env";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { getConsentStates } from "@/server/services/consent/get-consent-states";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { upsertContact } from "@/server/services/contacts";
import { MESSAGE_PII_PURPOSE } from "@/server/services/messages/message-view";
import { sendWithConsent } from "@/server/services/messages/send-with-consent";
import { isSuppressed } from "@/server/services/suppressions/queries";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createApiKeyFor, createMember, createWorkspace, systemContext } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { createTestDb } from "@/tests/helpers/db";
import { rest } from "@/tests/helpers/http";
import { TEST_TWILIO_AUTH_TOKEN, twilioRequest } from "@/tests/helpers/twilio-signature";
import { getOutbox } from "@/server/wiring";

const PUBLIC_URL = "https://sms.optin.test";
const SIGNED_URL = `${PUBLIC_URL}/api/webhooks/twilio/inbound`;
/** The account's default number: every workspace without a number of its own texts from it. */
const SHARED_NUMBER = "+15005550006";
/** A number only Cedar Cycles uses. */
const CEDAR_NUMBER = "+14155550333";

let handle: DbHandle;
const ws = { acme: "", beta: "", cedar: "", ember: "" };
const savedEnv = {
  PUBLIC_URL: process.env.PUBLIC_URL,
  TWILIO_AUTH_TOKEN: process.env.TWILIO_AUTH_TOKEN,
  TWILIO_FROM: process.env.TWILIO_FROM,
};

const newSid = () => `SM${randomBytes(16).toString("hex")}`;
let phoneSeq = 0;
const newPhone = () => `+1415555${String(2000 + ++phoneSeq).slice(-4)}`;
const phoneHash = (phone: string, workspaceId: string) => blindIndex(workspaceId, "phone", phone);

async function sendInbound(from: string, body: string, options: { sid?: string; to?: string } = {}) {
  const sid = options.sid ?? newSid();
  const params = {
    MessageSid: sid,
    SmsSid: sid,
    AccountSid: "AC0123456789abcdef0123456789abcdef",
    From: from,
    To: options.to ?? SHARED_NUMBER,
    Body: body,
    NumMedia: "0",
  };
  const response = await postInbound(twilioRequest(SIGNED_URL, params));
  // A plain reply is acknowledged first and recorded by the drain the route woke.
  await webhookDrainIdle();
  const text = await response.text();
  const replies = [...text.matchAll(/<Message>([\s\S]*?)<\/Message>/g)].map((m) => m[1]!);
  return { status: response.status, replies, reply: replies[0] ?? null, sid };
}

/** A contact with the phone in the workspace, opted in to promotions by SMS. */
async function subscribedContact(workspaceId: string, phone: string): Promise<string> {
  const { contact } = await upsertContact({ ctx: systemContext(handle.db, workspaceId), input: { phone } });
  await recordConsentChange({
    ctx: systemContext(handle.db, workspaceId),
    input: {
      contactId: contact.id,
      channel: "sms",
      topicKey: "promotions",
      action: "opted_in",
      source: "api",
      evidence: { ip: "203.0.113.7" },
    },
  });
  return contact.id;
}

/** A marketing text the workspace sent to the phone from `from`. */
async function sentText(workspaceId: string, contactId: string | null, phone: string, from = SHARED_NUMBER) {
  await createMessage(handle.db, {
    workspaceId,
    contactId,
    channel: "sms",
    address: phone,
    from,
    transport: "twilio",
    providerMessageId: newSid(),
  });
}

async function promotions(workspaceId: string, contactId: string, channel: Channel = "sms") {
  const { states } = await getConsentStates({ ctx: systemContext(handle.db, workspaceId), input: { id: contactId } });
  return states.find((s) => s.channel === channel && s.topic === "promotions")?.status ?? null;
}

async function inboundRows(sid: string) {
  return handle.db
    .select()
    .from(messages)
    .where(and(eq(messages.providerMessageId, sid), eq(messages.direction, "inbound")));
}

async function keywordReplies(workspaceId: string) {
  return handle.db
    .select()
    .from(messages)
    .where(and(eq(messages.workspaceId, workspaceId), eq(messages.relation, "keyword_reply")));
}

async function counts() {
  const one = async (
    table:
      | typeof consentEvents
      | typeof messages
      | typeof suppressions
      | typeof auditLog
      | typeof webhookEvents
      | typeof workspaces,
  ) => (await handle.db.select({ n: count() }).from(table))[0]!.n;
  return {
    events: await one(consentEvents),
    messages: await one(messages),
    suppressions: await one(suppressions),
    audit: await one(auditLog),
    webhookEvents: await one(webhookEvents),
    workspaces: await one(workspaces),
  };
}

function callerFor(auth: RequestAuth) {
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

async function sessionCaller(userId: string, workspaceId?: string) {
  const membership = await resolveSessionMembership(handle.db, userId, workspaceId);
  return callerFor(membership ? { kind: "session", membership } : { kind: "anonymous" });
}

beforeAll(async () => {
  process.env.PUBLIC_URL = PUBLIC_URL;
  process.env.TWILIO_AUTH_TOKEN = TEST_TWILIO_AUTH_TOKEN;
  process.env.TWILIO_FROM = SHARED_NUMBER;
  resetEnv();
  handle = await createTestDb();
  setDbHandle(handle);
  ws.acme = (await createWorkspace(handle.db, { name: "Acme Coffee", isDefault: "default" })).id;
  ws.beta = (await createWorkspace(handle.db, { name: "Beta Books" })).id;
  ws.cedar = (
    await createWorkspace(handle.db, { name: "Cedar Cycles", settings: { sms: { inboundNumbers: [CEDAR_NUMBER] } } })
  ).id;
  ws.ember = (await createWorkspace(handle.db, { name: "Ember Events" })).id;
  for (const id of Object.values(ws)) await ensureDefaultTopics(handle.db, id, new Date());
});

afterAll(async () => {
  await closeDb();
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetEnv();
});

describe("inbound SMS to a number several workspaces share", () => {
  it("STOP opts the sender out in every workspace that texted it from that number, with one reply naming no brand", async () => {
    const phone = newPhone();
    const inAcme = await subscribedContact(ws.acme, phone);
    const inBeta = await subscribedContact(ws.beta, phone);
    await sentText(ws.acme, inAcme, phone);
    await sentText(ws.beta, inBeta, phone);

    const stop = await sendInbound(phone, "STOP");
    expect(stop.status).toBe(200);
    expect(stop.replies).toHaveLength(1);
    expect(stop.reply).toMatch(/unsubscribed/i);
    for (const brand of ["Acme", "Beta", "Cedar", "Ember"]) expect(stop.reply).not.toContain(brand);

    expect(await promotions(ws.acme, inAcme)).toBe("opted_out");
    expect(await promotions(ws.beta, inBeta)).toBe("opted_out");
    expect(await isSuppressed(handle.db, ws.acme, "sms", phoneHash(phone, ws.acme))).toBe("sms_stop");
    expect(await isSuppressed(handle.db, ws.beta, "sms", phoneHash(phone, ws.beta))).toBe("sms_stop");
    // Ember shares the number but never knew the sender: untouched, and the text is not in its history.
    expect(await isSuppressed(handle.db, ws.ember, "sms", phoneHash(phone, ws.ember))).toBeNull();

    const rows = await inboundRows(stop.sid);
    expect(rows.map((r) => r.workspaceId).sort()).toEqual([ws.acme, ws.beta].sort());
    expect(rows.find((r) => r.workspaceId === ws.beta)).toMatchObject({ contactId: inBeta, status: "received" });
    // The one reply sent is in both histories, under each workspace's own inbound row.
    for (const row of rows) {
      const [reply] = (await keywordReplies(row.workspaceId)).filter((r) => r.parentMessageId === row.id);
      expect(decryptPii(reply!.textCiphertext!, MESSAGE_PII_PURPOSE.text)).toBe(stop.reply);
    }
    const [claim] = await handle.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.dedupeKey, `inbound:${stop.sid}`));
    expect(claim).toMatchObject({ provider: "twilio", type: "inbound" });
    expect(claim!.appliedAt).not.toBeNull();
  });

  it("a retried webhook (same MessageSid) records nothing and sends no second reply", async () => {
    const phone = newPhone();
    const inAcme = await subscribedContact(ws.acme, phone);
    const inBeta = await subscribedContact(ws.beta, phone);
    await sentText(ws.acme, inAcme, phone);
    await sentText(ws.beta, inBeta, phone);
    const first = await sendInbound(phone, "STOP");
    expect(first.reply).not.toBeNull();
    const before = await counts();

    const retry = await sendInbound(phone, "STOP", { sid: first.sid });
    const concurrent = await Promise.all([
      sendInbound(phone, "STOP", { sid: first.sid }),
      sendInbound(phone, "STOP", { sid: first.sid }),
    ]);
    for (const response of [retry, ...concurrent]) {
      expect(response.status).toBe(200);
      expect(response.replies).toHaveLength(0);
    }
    expect(await counts()).toEqual(before);
  });

  it("START resubscribes in every workspace the STOP reached, with a neutral reply", async () => {
    const phone = newPhone();
    const inAcme = await subscribedContact(ws.acme, phone);
    const inBeta = await subscribedContact(ws.beta, phone);
    await sentText(ws.acme, inAcme, phone);
    await sentText(ws.beta, inBeta, phone);
    await sendInbound(phone, "STOP");

    const start = await sendInbound(phone, "START");
    expect(start.replies).toHaveLength(1);
    expect(start.reply).toMatch(/again/);
    for (const brand of ["Acme", "Beta"]) expect(start.reply).not.toContain(brand);
    expect(await promotions(ws.acme, inAcme)).toBe("opted_in");
    expect(await promotions(ws.beta, inBeta)).toBe("opted_in");
    expect(await isSuppressed(handle.db, ws.acme, "sms", phoneHash(phone, ws.acme))).toBeNull();
    expect(await isSuppressed(handle.db, ws.beta, "sms", phoneHash(phone, ws.beta))).toBeNull();
  });

  it("a contact of a workspace that is not the default one is opted out there, with that workspace's brand", async () => {
    const phone = newPhone();
    const inBeta = await subscribedContact(ws.beta, phone);
    await sentText(ws.beta, inBeta, phone);

    const stop = await sendInbound(phone, "stop");
    expect(stop.reply).toContain("Beta Books");
    expect(stop.reply).not.toContain("Acme");
    expect(await promotions(ws.beta, inBeta)).toBe("opted_out");
    expect(await isSuppressed(handle.db, ws.beta, "sms", phoneHash(phone, ws.beta))).toBe("sms_stop");
    expect(await isSuppressed(handle.db, ws.acme, "sms", phoneHash(phone, ws.acme))).toBeNull();
    expect((await inboundRows(stop.sid)).map((r) => r.workspaceId)).toEqual([ws.beta]);
  });

  it("a workspace that only texted the number (no contact) is reached too", async () => {
    const phone = newPhone();
    const inAcme = await subscribedContact(ws.acme, phone);
    await sentText(ws.beta, null, phone);
    const stop = await sendInbound(phone, "UNSUBSCRIBE");
    expect(stop.replies).toHaveLength(1);
    expect(stop.reply).not.toContain("Acme");
    expect(await promotions(ws.acme, inAcme)).toBe("opted_out");
    expect(await isSuppressed(handle.db, ws.beta, "sms", phoneHash(phone, ws.beta))).toBe("sms_stop");
  });

  it("an ordinary text is recorded in each workspace that knows the sender; an unknown sender's in the default one only", async () => {
    const phone = newPhone();
    const inAcme = await subscribedContact(ws.acme, phone);
    const inBeta = await subscribedContact(ws.beta, phone);
    const text = await sendInbound(phone, "What time do you open?");
    expect(text.replies).toHaveLength(0);
    const rows = await inboundRows(text.sid);
    expect(rows.map((r) => [r.workspaceId, r.contactId]).sort()).toEqual(
      [
        [ws.acme, inAcme],
        [ws.beta, inBeta],
      ].sort(),
    );
    expect(await promotions(ws.acme, inAcme)).toBe("opted_in");

    const stranger = await sendInbound(newPhone(), "hello?");
    expect((await inboundRows(stranger.sid)).map((r) => r.workspaceId)).toEqual([ws.acme]);
  });

  it("a STOP from a number no workspace knows suppresses it in every workspace sharing the number", async () => {
    const phone = newPhone();
    const stop = await sendInbound(phone, "STOP");
    expect(stop.replies).toHaveLength(1);
    expect(stop.reply).not.toContain("Acme");
    for (const id of [ws.acme, ws.beta, ws.ember])
      expect(await isSuppressed(handle.db, id, "sms", phoneHash(phone, id))).toBe("sms_stop");
    expect(await isSuppressed(handle.db, ws.cedar, "sms", phoneHash(phone, ws.cedar))).toBeNull();
  });
});

describe("inbound SMS to a number one workspace uses", () => {
  it("STOP to it opts out only in that workspace, even when the sender is a contact elsewhere too", async () => {
    const phone = newPhone();
    const inAcme = await subscribedContact(ws.acme, phone);
    const inCedar = await subscribedContact(ws.cedar, phone);
    await sentText(ws.acme, inAcme, phone);
    await sentText(ws.cedar, inCedar, phone, CEDAR_NUMBER);

    const stop = await sendInbound(phone, "STOP", { to: CEDAR_NUMBER });
    expect(stop.replies).toHaveLength(1);
    expect(stop.reply).toContain("Cedar Cycles");
    expect(await promotions(ws.cedar, inCedar)).toBe("opted_out");
    expect(await isSuppressed(handle.db, ws.cedar, "sms", phoneHash(phone, ws.cedar))).toBe("sms_stop");
    expect(await promotions(ws.acme, inAcme)).toBe("opted_in");
    expect(await isSuppressed(handle.db, ws.acme, "sms", phoneHash(phone, ws.acme))).toBeNull();
    expect((await inboundRows(stop.sid)).map((r) => r.workspaceId)).toEqual([ws.cedar]);
  });
});

describe("sender numbers", () => {
  it("a workspace with a number of its own texts from it, so replies reach it; the others from the shared number", async () => {
    const phone = newPhone();
    const inCedar = await subscribedContact(ws.cedar, phone);
    const inAcme = await subscribedContact(ws.acme, phone);
    const fromCedar = await sendWithConsent({
      ctx: systemContext(handle.db, ws.cedar),
      input: { contactId: inCedar, channel: "sms", topic: "promotions", content: { text: "Spring tune-up: 20% off" } },
    });
    const fromAcme = await sendWithConsent({
      ctx: systemContext(handle.db, ws.acme),
      input: { contactId: inAcme, channel: "sms", topic: "promotions", content: { text: "Two for one lattes" } },
    });
    await getOutbox().idle();
    const [cedarRow] = await handle.db.select().from(messages).where(eq(messages.id, fromCedar.messageId));
    const [acmeRow] = await handle.db.select().from(messages).where(eq(messages.id, fromAcme.messageId));
    expect(cedarRow!.fromAddress).toBe(CEDAR_NUMBER);
    expect(acmeRow!.fromAddress).toBe(SHARED_NUMBER);
  });
});

describe("provider message ids", () => {
  it("an outbound provider id stays unique across workspaces; one inbound MessageSid may be recorded once per workspace", async () => {
    const providerMessageId = newSid();
    await createMessage(handle.db, { workspaceId: ws.acme, channel: "sms", transport: "twilio", providerMessageId });
    await expect(
      createMessage(handle.db, { workspaceId: ws.beta, channel: "sms", transport: "twilio", providerMessageId }),
    ).rejects.toThrow();
    const inboundSid = newSid();
    await createMessage(handle.db, {
      workspaceId: ws.acme,
      direction: "inbound",
      channel: "sms",
      transport: "twilio",
      providerMessageId: inboundSid,
    });
    await createMessage(handle.db, {
      workspaceId: ws.beta,
      direction: "inbound",
      channel: "sms",
      transport: "twilio",
      providerMessageId: inboundSid,
    });
    await expect(
      createMessage(handle.db, {
        workspaceId: ws.beta,
        direction: "inbound",
        channel: "sms",
        transport: "twilio",
        providerMessageId: inboundSid,
      }),
    ).rejects.toThrow();
  });
});

describe("creating a workspace", () => {
  it("any signed-in user creates one through tRPC, becomes its owner and can switch to it; it starts empty", async () => {
    const viewer = await createMember(handle.db, ws.beta, "viewer");
    const caller = await sessionCaller(viewer.user.id);
    const created = await caller.workspace.create({ name: "  Delta Deli ", defaultRegion: "gb" });
    expect(created).toMatchObject({ name: "Delta Deli", defaultRegion: "GB" });
    expect(created.slug).toMatch(/^delta-deli-[0-9a-f]{6}$/);

    const [membership] = await handle.db
      .select()
      .from(memberships)
      .where(and(eq(memberships.workspaceId, created.id), eq(memberships.userId, viewer.user.id)));
    expect(membership!.role).toBe("owner");
    const seeded = await handle.db.select().from(topics).where(eq(topics.workspaceId, created.id));
    expect(seeded.length).toBeGreaterThan(0);
    const [audit] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, created.id), eq(auditLog.action, "workspace.created")));
    expect(audit).toMatchObject({ actorType: "user", actorId: viewer.user.id });

    // Switching = asking for it by id; the membership is checked on every request.
    const inNew = await sessionCaller(viewer.user.id, created.id);
    const current = await inNew.workspace.current();
    expect(current).toMatchObject({ workspace: { id: created.id }, role: "owner" });
    expect(current.workspaces.map((w) => w.workspaceId)).toEqual([ws.beta, created.id]);
    expect((await inNew.contacts.list({})).items).toEqual([]);
    // Still a viewer where they were.
    expect((await (await sessionCaller(viewer.user.id, ws.beta)).workspace.current()).role).toBe("viewer");
  });

  it("refuses bad input and anonymous callers, and creates nothing", async () => {
    const member = await createMember(handle.db, ws.beta, "marketer");
    const caller = await sessionCaller(member.user.id);
    const before = await counts();
    await expect(caller.workspace.create({ name: "  ", defaultRegion: "US" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(caller.workspace.create({ name: "Ok", defaultRegion: "USA" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(
      callerFor({ kind: "anonymous" }).workspace.create({ name: "Nope", defaultRegion: "US" }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect((await counts()).workspaces).toBe(before.workspaces);
  });

  it("POST /api/v1/workspaces needs the admin scope; the key's workspace owners own the new one, the key stays where it is", async () => {
    const owner = await createMember(handle.db, ws.ember, "owner");
    const admin = await createMember(handle.db, ws.ember, "admin");
    const { secret: adminKey } = await createApiKeyFor(handle.db, ws.ember, ["admin"]);
    const { secret: narrowKey } = await createApiKeyFor(handle.db, ws.ember, [
      "contacts:write",
      "consent:write",
      "messages:send",
    ]);
    const before = await counts();

    const refused = await rest("POST", "/workspaces", {
      key: narrowKey,
      body: { name: "Via API", defaultRegion: "US" },
    });
    expect(refused.status).toBe(403);
    const invalid = await rest("POST", "/workspaces", { key: adminKey, body: { name: "", defaultRegion: "US" } });
    expect(invalid.status).toBe(400);
    expect((await counts()).workspaces).toBe(before.workspaces);

    const created = await rest("POST", "/workspaces", {
      key: adminKey,
      body: { name: "Via API", defaultRegion: "US" },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: "Via API", defaultRegion: "US" });
    const members = await handle.db.select().from(memberships).where(eq(memberships.workspaceId, created.body.id));
    expect(members.map((m) => [m.userId, m.role])).toEqual([[owner.user.id, "owner"]]);
    expect(members.some((m) => m.userId === admin.user.id)).toBe(false);
    const audits = await handle.db.select().from(auditLog).where(eq(auditLog.action, "workspace.created"));
    expect(
      audits
        .filter((a) => a.targetId === created.body.id)
        .map((a) => a.workspaceId)
        .sort(),
    ).toEqual([created.body.id, ws.ember].sort());

    const me = await rest("GET", "/me", { key: adminKey });
    expect(me.body.workspace.id).toBe(ws.ember);
  });
});
