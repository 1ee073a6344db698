import { randomBytes } from "node:crypto";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, consentEvents, messageEvents, messages, suppressions, workspaces, type Channel } from "@/db/schema";
import { POST as postInbound } from "@/app/api/webhooks/[provider]/inbound/route";
import { webhookDrainIdle } from "@/server/services/webhooks";
import { blindIndex, decryptPii } from "@/server/lib/crypto";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { systemClock } from "@/server/lib/clock";
import { resetEnv } from "@/server/lib/env";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { getConsentStates } from "@/server/services/consent/get-consent-states";
import { upsertContact } from "@/server/services/contacts";
import { MESSAGE_PII_PURPOSE } from "@/server/services/messages/message-view";
import { isSuppressed } from "@/server/services/suppressions/queries";
import { ensureDefaultTemplates } from "@/server/services/templates/defaults";
import { createTopic, ensureDefaultTopics } from "@/server/services/topics";
import { createWorkspace, systemContext } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { TEST_TWILIO_AUTH_TOKEN, twilioRequest } from "@/tests/helpers/twilio-signature";

const PUBLIC_URL = "https://sms.optin.test";
/** The host the server sees behind a proxy: never part of the signed URL. */
const INTERNAL_URL = "http://10.0.0.5:3000/api/webhooks/twilio/inbound";
const SIGNED_URL = `${PUBLIC_URL}/api/webhooks/twilio/inbound`;
const OUR_NUMBER = "+14155550100";
const OTHER_BRAND_NUMBER = "+14155550222";

let handle: DbHandle;
let workspaceId: string;
let otherWorkspaceId: string;
const savedEnv = { PUBLIC_URL: process.env.PUBLIC_URL, TWILIO_AUTH_TOKEN: process.env.TWILIO_AUTH_TOKEN };

const newSid = () => `SM${randomBytes(16).toString("hex")}`;
let phoneSeq = 0;
/** A fresh valid US number per test (555-01xx numbers are reserved for fiction). */
const newPhone = () => `+1415555${String(1000 + ++phoneSeq).slice(-4)}`;

interface InboundOptions {
  sid?: string;
  to?: string;
  signedUrl?: string;
  signature?: string | null;
  tamper?: Record<string, string>;
}

async function sendInbound(from: string, body: string, options: InboundOptions = {}) {
  const sid = options.sid ?? newSid();
  const params = {
    MessageSid: sid,
    SmsSid: sid,
    AccountSid: "AC0123456789abcdef0123456789abcdef",
    From: from,
    To: options.to ?? OUR_NUMBER,
    Body: body,
    NumMedia: "0",
  };
  const request = twilioRequest(INTERNAL_URL, params, {
    signedUrl: options.signedUrl ?? SIGNED_URL,
    signature: options.signature,
    tamper: options.tamper,
  });
  const response = await postInbound(request);
  // A plain reply is acknowledged first and recorded by the drain the route woke.
  await webhookDrainIdle();
  const text = await response.text();
  const reply = /<Message>([\s\S]*)<\/Message>/.exec(text)?.[1] ?? null;
  return { status: response.status, contentType: response.headers.get("content-type"), text, reply, sid };
}

async function createContact(phone: string, wsId = workspaceId) {
  const { contact } = await upsertContact({ ctx: systemContext(handle.db, wsId), input: { phone } });
  return contact.id;
}

async function optIn(contactId: string, channel: Channel, topicKey: string, wsId = workspaceId) {
  await recordConsentChange({
    ctx: systemContext(handle.db, wsId),
    input: { contactId, channel, topicKey, action: "opted_in", source: "api", evidence: { ip: "203.0.113.7" } },
  });
}

async function stateOf(contactId: string, channel: Channel, topic: string) {
  const { states } = await getConsentStates({ ctx: systemContext(handle.db, workspaceId), input: { id: contactId } });
  return states.find((s) => s.channel === channel && s.topic === topic) ?? null;
}

async function countRows(table: typeof consentEvents | typeof messages | typeof suppressions | typeof auditLog) {
  const [row] = await handle.db.select({ n: count() }).from(table);
  return row!.n;
}

async function snapshot() {
  return {
    events: await countRows(consentEvents),
    messages: await countRows(messages),
    suppressions: await countRows(suppressions),
    audit: await countRows(auditLog),
  };
}

async function contactEvents(contactId: string) {
  return handle.db.select().from(consentEvents).where(eq(consentEvents.contactId, contactId));
}

const phoneHash = (phone: string, wsId = workspaceId) => blindIndex(wsId, "phone", phone);

beforeAll(async () => {
  process.env.PUBLIC_URL = PUBLIC_URL;
  process.env.TWILIO_AUTH_TOKEN = TEST_TWILIO_AUTH_TOKEN;
  resetEnv();
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, {
    name: "Acme Coffee",
    isDefault: "default",
    settings: { sms: { supportContact: "support@acme.test" } },
  });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, workspaceId, new Date());
  // A second marketing SMS topic, so "restore only what STOP removed" has something to tell apart.
  await createTopic({
    ctx: systemContext(handle.db, workspaceId),
    input: { key: "flash-sales", name: "Flash sales", channels: ["sms"], kind: "marketing" },
  });
  const other = await createWorkspace(handle.db, {
    name: "Beta Books",
    settings: { sms: { inboundNumbers: [OTHER_BRAND_NUMBER] } },
  });
  otherWorkspaceId = other.id;
  await ensureDefaultTopics(handle.db, otherWorkspaceId, new Date());
});

afterAll(async () => {
  await closeDb();
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetEnv();
});

describe("POST /api/webhooks/twilio/inbound: signature", () => {
  it("a signature over another URL (the Host the server sees), a tampered body or none → 403 and nothing changes", async () => {
    const phone = newPhone();
    await createContact(phone);
    const before = await snapshot();

    const otherUrl = await sendInbound(phone, "STOP", { signedUrl: INTERNAL_URL });
    const tampered = await sendInbound(phone, "hello", { tamper: { Body: "STOP" } });
    const missing = await sendInbound(phone, "STOP", { signature: null });
    const garbage = await sendInbound(phone, "STOP", { signature: "bm90IGEgc2lnbmF0dXJl" });
    const oversized = await sendInbound(phone, `STOP ${"x".repeat(70_000)}`);
    for (const response of [otherUrl, tampered, missing, garbage, oversized]) {
      expect(response.status).toBe(403);
      expect(response.reply).toBeNull();
    }
    expect(await snapshot()).toEqual(before);
    expect(await isSuppressed(handle.db, workspaceId, "sms", phoneHash(phone))).toBeNull();
  });

  it("with no TWILIO_AUTH_TOKEN configured every request is refused with 403", async () => {
    const before = await snapshot();
    delete process.env.TWILIO_AUTH_TOKEN;
    resetEnv();
    try {
      const response = await sendInbound(newPhone(), "STOP");
      expect(response.status).toBe(403);
    } finally {
      process.env.TWILIO_AUTH_TOKEN = TEST_TWILIO_AUTH_TOKEN;
      resetEnv();
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("POST /api/webhooks/twilio/inbound: STOP", () => {
  it("STOP in any case opts the number out of all marketing SMS, suppresses it and confirms once", async () => {
    const phone = newPhone();
    const contactId = await createContact(phone);
    await optIn(contactId, "sms", "promotions");
    await optIn(contactId, "sms", "account-notices");
    await optIn(contactId, "email", "newsletter");

    const response = await sendInbound(phone, "  Stop! ");
    expect(response.status).toBe(200);
    expect(response.contentType).toMatch(/^text\/xml/);
    expect(response.reply).toContain("Acme Coffee");
    expect(response.reply).toMatch(/unsubscribed/i);

    // Every marketing SMS topic, including one never consented to; transactional and email untouched.
    expect(await stateOf(contactId, "sms", "promotions")).toMatchObject({ status: "opted_out", source: "sms_keyword" });
    expect(await stateOf(contactId, "sms", "flash-sales")).toMatchObject({
      status: "opted_out",
      source: "sms_keyword",
    });
    expect(await stateOf(contactId, "sms", "account-notices")).toMatchObject({ status: "opted_in" });
    expect(await stateOf(contactId, "email", "newsletter")).toMatchObject({ status: "opted_in" });

    const optOuts = (await contactEvents(contactId)).filter((e) => e.action === "opted_out");
    expect(optOuts).toHaveLength(2);
    expect(
      optOuts.every(
        (e) =>
          e.evidence.providerMessageId === response.sid && e.source === "sms_keyword" && e.actorType === "provider",
      ),
    ).toBe(true);
    expect(new Set(optOuts.map((e) => e.batchId)).size).toBe(1);
    expect(await isSuppressed(handle.db, workspaceId, "sms", phoneHash(phone))).toBe("sms_stop");

    // The inbound message and the reply are in the contact's message history.
    const rows = await handle.db.select().from(messages).where(eq(messages.contactId, contactId));
    const inbound = rows.find((m) => m.direction === "inbound")!;
    expect(inbound).toMatchObject({
      status: "received",
      channel: "sms",
      transport: "twilio",
      providerMessageId: response.sid,
      workspaceId,
    });
    expect(decryptPii(inbound.textCiphertext!, MESSAGE_PII_PURPOSE.text)).toBe("  Stop! ");
    expect(decryptPii(inbound.addressCiphertext!, MESSAGE_PII_PURPOSE.address)).toBe(phone);
    const reply = rows.find((m) => m.relation === "keyword_reply")!;
    expect(reply).toMatchObject({
      direction: "outbound",
      status: "sent",
      kind: "transactional",
      parentMessageId: inbound.id,
      fromAddress: OUR_NUMBER,
      topicId: null,
    });
    expect(decryptPii(reply.textCiphertext!, MESSAGE_PII_PURPOSE.text)).toBe(response.reply!.replace(/&apos;/g, "'"));
    const timeline = await handle.db.select().from(messageEvents).where(eq(messageEvents.messageId, inbound.id));
    expect(timeline.map((e) => e.status)).toEqual(["received"]);
  });

  it("a repeated STOP records no second event and sends no second reply; a Twilio retry of the same MessageSid changes nothing", async () => {
    const phone = newPhone();
    const contactId = await createContact(phone);
    await optIn(contactId, "sms", "promotions");
    const first = await sendInbound(phone, "STOP");
    expect(first.reply).not.toBeNull();
    const afterFirst = await snapshot();

    const retry = await sendInbound(phone, "STOP", { sid: first.sid });
    expect(retry.status).toBe(200);
    expect(retry.reply).toBeNull();
    expect(await snapshot()).toEqual(afterFirst);

    const repeat = await sendInbound(phone, "stop");
    expect(repeat.status).toBe(200);
    expect(repeat.reply).toBeNull();
    expect(repeat.text).toContain("<Response/>");
    const after = await snapshot();
    expect(after.events).toBe(afterFirst.events);
    expect(after.suppressions).toBe(afterFirst.suppressions);
    expect(after.messages).toBe(afterFirst.messages + 1); // the repeated STOP itself is recorded, no reply
    const replies = await handle.db
      .select()
      .from(messages)
      .where(and(eq(messages.contactId, contactId), eq(messages.relation, "keyword_reply")));
    expect(replies).toHaveLength(1);
  });

  it("two STOPs from one number at the same time opt out and reply once", async () => {
    const phone = newPhone();
    const contactId = await createContact(phone);
    await optIn(contactId, "sms", "promotions");
    const results = await Promise.all([sendInbound(phone, "STOP"), sendInbound(phone, "UNSUBSCRIBE")]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results.filter((r) => r.reply !== null)).toHaveLength(1);
    expect((await contactEvents(contactId)).filter((e) => e.action === "opted_out")).toHaveLength(2); // promotions + flash-sales, once
  });

  it("a STOP from an unknown number is recorded and still suppresses the number, also for a contact created later", async () => {
    const phone = newPhone();
    const response = await sendInbound(phone, "STOP");
    expect(response.status).toBe(200);
    expect(response.reply).toMatch(/unsubscribed/i);
    const [inbound] = await handle.db.select().from(messages).where(eq(messages.providerMessageId, response.sid));
    expect(inbound).toMatchObject({ contactId: null, direction: "inbound", addressHash: phoneHash(phone) });
    expect(await isSuppressed(handle.db, workspaceId, "sms", phoneHash(phone))).toBe("sms_stop");

    // Imported later in another format: the same blind index, still suppressed.
    await createContact(`(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`);
    expect(await isSuppressed(handle.db, workspaceId, "sms", phoneHash(phone))).toBe("sms_stop");
  });

  it("reasonable opt-out phrasing opts out like STOP", async () => {
    const phone = newPhone();
    const contactId = await createContact(phone);
    await optIn(contactId, "sms", "promotions");
    const response = await sendInbound(phone, "please stop texting me");
    expect(response.reply).toMatch(/unsubscribed/i);
    expect(await stateOf(contactId, "sms", "promotions")).toMatchObject({ status: "opted_out", source: "sms_keyword" });
    const [event] = (await contactEvents(contactId)).filter((e) => e.action === "opted_out");
    expect(event!.evidence).toMatchObject({ providerMessageId: response.sid, note: "SMS opt-out phrasing" });
  });

  it("an ordinary text is recorded for the contact and changes nothing", async () => {
    const phone = newPhone();
    const contactId = await createContact(phone);
    await optIn(contactId, "sms", "promotions");
    const before = await snapshot();
    const response = await sendInbound(phone, "What time do you open? Can I stop by tomorrow?");
    expect(response.status).toBe(200);
    expect(response.reply).toBeNull();
    const after = await snapshot();
    expect(after).toEqual({ ...before, messages: before.messages + 1 });
    expect(await stateOf(contactId, "sms", "promotions")).toMatchObject({ status: "opted_in" });
    const [inbound] = await handle.db.select().from(messages).where(eq(messages.providerMessageId, response.sid));
    expect(inbound).toMatchObject({ contactId, direction: "inbound", status: "received" });
  });
});

describe("POST /api/webhooks/twilio/inbound: START and HELP", () => {
  it("START re-subscribes exactly what STOP removed and lifts the suppression", async () => {
    const phone = newPhone();
    const contactId = await createContact(phone);
    await optIn(contactId, "sms", "promotions");
    await sendInbound(phone, "STOP");
    expect(await stateOf(contactId, "sms", "flash-sales")).toMatchObject({ status: "opted_out" });

    const start = await sendInbound(phone, "Start");
    expect(start.status).toBe(200);
    expect(start.reply).toContain("Promotions");
    expect(start.reply).toContain("STOP");
    expect(await stateOf(contactId, "sms", "promotions")).toMatchObject({ status: "opted_in", source: "sms_keyword" });
    // Never consented before the STOP: stays opted out.
    expect(await stateOf(contactId, "sms", "flash-sales")).toMatchObject({ status: "opted_out" });
    expect(await isSuppressed(handle.db, workspaceId, "sms", phoneHash(phone))).toBeNull();
    const optIns = (await contactEvents(contactId)).filter(
      (e) => e.action === "opted_in" && e.source === "sms_keyword",
    );
    expect(optIns).toHaveLength(1);
    expect(optIns[0]!.evidence.providerMessageId).toBe(start.sid);

    // A second START finds nothing to undo: no event, no reply.
    const before = await snapshot();
    const again = await sendInbound(phone, "UNSTOP");
    expect(again.reply).toBeNull();
    expect((await snapshot()).events).toBe(before.events);
  });

  it("START does not revive a topic opted out by other means after the STOP", async () => {
    const phone = newPhone();
    const contactId = await createContact(phone);
    await optIn(contactId, "sms", "promotions");
    await optIn(contactId, "sms", "flash-sales");
    await sendInbound(phone, "STOP");
    await recordConsentChange({
      ctx: systemContext(handle.db, workspaceId),
      input: { contactId, channel: "sms", topicKey: "flash-sales", action: "opted_out", source: "admin" },
    });

    const start = await sendInbound(phone, "yes");
    expect(start.reply).toContain("Promotions");
    expect(start.reply).not.toContain("Flash sales");
    expect(await stateOf(contactId, "sms", "promotions")).toMatchObject({ status: "opted_in" });
    expect(await stateOf(contactId, "sms", "flash-sales")).toMatchObject({ status: "opted_out", source: "admin" });
  });

  it("START from an unknown number lifts its suppression", async () => {
    const phone = newPhone();
    await sendInbound(phone, "STOP");
    const start = await sendInbound(phone, "START");
    expect(start.reply).toMatch(/receive texts from us again/);
    expect(await isSuppressed(handle.db, workspaceId, "sms", phoneHash(phone))).toBeNull();
  });

  it("HELP replies with the brand, the support contact and opt-out instructions, and changes no consent", async () => {
    const phone = newPhone();
    const contactId = await createContact(phone);
    const before = await snapshot();
    const response = await sendInbound(phone, "help");
    expect(response.reply).toContain("Acme Coffee");
    expect(response.reply).toContain("support@acme.test");
    expect(response.reply).toContain("Reply STOP to opt out");
    const after = await snapshot();
    expect(after.events).toBe(before.events);
    expect(after.messages).toBe(before.messages + 2); // the HELP and its reply
    const reply = await handle.db
      .select()
      .from(messages)
      .where(and(eq(messages.contactId, contactId), eq(messages.relation, "keyword_reply")));
    expect(reply).toHaveLength(1);
  });

  it("a text to a number another workspace claims lands in that workspace, with its brand", async () => {
    const phone = newPhone();
    const contactId = await createContact(phone, otherWorkspaceId);
    await optIn(contactId, "sms", "promotions", otherWorkspaceId);
    const response = await sendInbound(phone, "STOP", { to: OTHER_BRAND_NUMBER });
    expect(response.reply).toContain("Beta Books");
    const [inbound] = await handle.db.select().from(messages).where(eq(messages.providerMessageId, response.sid));
    expect(inbound).toMatchObject({ workspaceId: otherWorkspaceId, contactId });
    expect(await isSuppressed(handle.db, otherWorkspaceId, "sms", phoneHash(phone, otherWorkspaceId))).toBe("sms_stop");
    expect(await isSuppressed(handle.db, workspaceId, "sms", phoneHash(phone))).toBeNull();
    const [ws] = await handle.db.select().from(workspaces).where(eq(workspaces.id, otherWorkspaceId));
    expect(ws!.name).toBe("Beta Books");
  });

  it("replies use the workspace's system templates when it has them; HELP always names the support contact", async () => {
    await ensureDefaultTemplates(handle.db, otherWorkspaceId, systemClock);
    const phone = newPhone();
    const contactId = await createContact(phone, otherWorkspaceId);
    await optIn(contactId, "sms", "promotions", otherWorkspaceId);

    const stop = await sendInbound(phone, "STOP", { to: OTHER_BRAND_NUMBER });
    expect(stop.reply).toBe(
      "Beta Books: You&apos;re unsubscribed and will get no more messages from us. Reply START to resubscribe.",
    );
    const help = await sendInbound(phone, "HELP", { to: OTHER_BRAND_NUMBER });
    expect(help.reply).toContain("Beta Books:");
    expect(help.reply).toContain("Reply STOP to opt out");
    expect(help.reply).toContain(`Support: ${PUBLIC_URL}`);

    const replies = await handle.db
      .select()
      .from(messages)
      .where(and(eq(messages.contactId, contactId), eq(messages.relation, "keyword_reply")));
    expect(replies).toHaveLength(2);
    expect(replies.every((r) => r.templateId !== null && r.templateVersion === 1)).toBe(true);
  });
});
