import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, consentEvents, contacts, messages, suppressions } from "@/db/schema";
import { blindIndex } from "@/server/lib/crypto";
import { verifyWorkspaceAuditChain } from "@/server/services/audit";
import { createImport } from "@/server/services/imports/create-import";
import { runImport } from "@/server/services/imports/run-import";
import { suppressAddress } from "@/server/services/suppressions";
import { createApiKeyFor, createMember, createWorkspace } from "@/tests/factories";
import { rest } from "@/tests/helpers/http";
import { startSendHarness, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

let h: SendHarness;
let key: string;
let noErase: string;
let otherKey: string;

beforeAll(async () => {
  h = await startSendHarness();
  await h.topic("offers", ["email", "sms"], "marketing");
  key = (
    await createApiKeyFor(h.handle.db, h.workspaceId, [
      "contacts:read",
      "contacts:write",
      "consent:write",
      "messages:send",
      "contacts:erase",
    ])
  ).secret;
  noErase = (await createApiKeyFor(h.handle.db, h.workspaceId, ["contacts:read", "contacts:write", "consent:write"]))
    .secret;
  const other = await createWorkspace(h.handle.db);
  otherKey = (await createApiKeyFor(h.handle.db, other.id, ["admin"])).secret;
});
afterAll(async () => {
  await h.close();
});

const EVIDENCE = {
  ip: "198.51.100.77",
  userAgent: "Mozilla/5.0 (Zebulon's tablet)",
  note: "Zebulon signed up at the fair",
  text: "Yes, send me the news by email and text.",
};
const send = (body: Record<string, unknown>) => rest("POST", "/messages/send_with_consent", { key, body });

/** The tables of the public schema with a row whose text form contains one of `needles`. */
async function tablesContaining(needles: string[]): Promise<string[]> {
  const tables = await h.handle.db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const list = ((tables as { rows?: { table_name: string }[] }).rows ?? (tables as unknown as { table_name: string }[]))
    .map((t) => t.table_name)
    .filter((t) => !t.startsWith("__"));
  const found: string[] = [];
  for (const table of list) {
    const result = await h.handle.db.execute<{ n: number }>(
      sql`select count(*)::int as n from ${sql.identifier(table)} as t
          where t::text like any (${sql.raw(`array[${needles.map((n) => `'%${n.replace(/'/g, "''")}%'`).join(", ")}]`)})`,
    );
    const rows = (result as { rows?: { n: number }[] }).rows ?? (result as unknown as { n: number }[]);
    if (rows[0]!.n > 0) found.push(table);
  }
  return found;
}

async function seedPerson() {
  const email = uniqueEmail();
  const phone = uniquePhone();
  const created = await rest("POST", "/contacts", {
    key,
    body: { email, phone, firstName: "Zebulon", lastName: "Quarrington", attributes: { city: "Lyon" }, tags: ["vip"] },
  });
  expect(created.status).toBe(200);
  const id = created.body.id as string;
  for (const channel of ["email", "sms"]) {
    const opted = await rest("POST", `/contacts/${id}/consent`, {
      key,
      body: { channel, topic: "offers", status: "opted_in", source: "form", evidence: EVIDENCE },
    });
    expect(opted.status).toBe(200);
  }
  const sent = await send({
    contactId: id,
    channel: "email",
    topic: "offers",
    content: {
      subject: "Hello Zebulon",
      text: `Hi Zebulon Quarrington ({{ contact.email }})`,
      html: "<p>Hi Zebulon</p>",
    },
  });
  expect(sent.body.status).toBe("queued");
  await h.settle();
  return { id, email, phone, messageId: sent.body.messageId as string };
}

describe("contact erasure", () => {
  it("refuses without contacts:erase (403) and another workspace's contact (404), changing nothing", async () => {
    const person = await seedPerson();
    expect((await rest("DELETE", `/contacts/${person.id}`, { key: noErase })).status).toBe(403);
    expect((await rest("DELETE", `/contacts/${person.id}`, { key: otherKey })).status).toBe(404);
    expect((await rest("DELETE", `/contacts/not-a-uuid`, { key })).status).toBe(400);
    const [row] = await h.handle.db.select().from(contacts).where(eq(contacts.id, person.id));
    expect(row!.erasedAt).toBeNull();
    expect(row!.emailCiphertext).not.toBeNull();
  });

  it("destroys every personal column, keeps the facts, suppresses the addresses and keeps both chains verifiable", async () => {
    const person = await seedPerson();
    const emailHash = blindIndex(h.workspaceId, "email", person.email);
    const phoneHash = blindIndex(h.workspaceId, "phone", person.phone);
    // An existing suppression with another reason stays as it is.
    await suppressAddress({
      ctx: h.ctx(),
      input: { channel: "sms", addressHash: phoneHash, reason: "manual", source: "admin" },
    });
    const [before] = await h.handle.db.select().from(contacts).where(eq(contacts.id, person.id));
    const [messageBefore] = await h.handle.db.select().from(messages).where(eq(messages.id, person.messageId));
    const ciphertexts = [
      before!.emailCiphertext!,
      before!.phoneCiphertext!,
      before!.firstNameCiphertext!,
      before!.lastNameCiphertext!,
      messageBefore!.subjectCiphertext!,
      messageBefore!.textCiphertext!,
      messageBefore!.addressCiphertext!,
    ];
    const ledgerBefore = await h.handle.db
      .select()
      .from(consentEvents)
      .where(eq(consentEvents.contactId, person.id))
      .orderBy(consentEvents.seq);
    expect(ledgerBefore.some((e) => e.evidence.ip === EVIDENCE.ip)).toBe(true);

    const res = await rest("DELETE", `/contacts/${person.id}`, { key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: person.id,
      email: null,
      phone: null,
      firstName: null,
      lastName: null,
      erased: true,
      attributes: {},
      tags: [],
    });

    const [row] = await h.handle.db.select().from(contacts).where(eq(contacts.id, person.id));
    expect(row).toMatchObject({
      emailCiphertext: null,
      emailHash: null,
      phoneCiphertext: null,
      phoneHash: null,
      firstNameCiphertext: null,
      lastNameCiphertext: null,
      locale: null,
      timezone: null,
      phoneCountry: null,
      tags: [],
      searchTokens: [],
      attributes: {},
    });
    expect(row!.erasedAt).toBeInstanceOf(Date);

    // No plaintext and no ciphertext of the person anywhere in the database.
    expect(
      await tablesContaining([person.email, person.phone, "Zebulon", "Quarrington", EVIDENCE.ip, ...ciphertexts]),
    ).toEqual([]);

    // The ledger keeps its rows and facts; only the identifying evidence is gone.
    const ledgerAfter = await h.handle.db
      .select()
      .from(consentEvents)
      .where(eq(consentEvents.contactId, person.id))
      .orderBy(consentEvents.seq);
    expect(ledgerAfter).toHaveLength(ledgerBefore.length);
    for (const [i, event] of ledgerAfter.entries()) {
      const was = ledgerBefore[i]!;
      expect(event).toMatchObject({
        id: was.id,
        channel: was.channel,
        topicId: was.topicId,
        action: was.action,
        source: was.source,
        occurredAt: was.occurredAt,
        recordedAt: was.recordedAt,
      });
      expect(Object.keys(event.evidence).sort()).toEqual(["textHash"]);
      expect(event.evidence.textHash).toBe(was.evidence.textHash);
    }
    // …and is still append-only for anything else.
    await expect(
      h.handle.db.update(consentEvents).set({ action: "opted_out" }).where(eq(consentEvents.id, ledgerAfter[0]!.id)),
    ).rejects.toThrow();
    await expect(h.handle.db.delete(consentEvents).where(eq(consentEvents.id, ledgerAfter[0]!.id))).rejects.toThrow();

    const [message] = await h.handle.db.select().from(messages).where(eq(messages.id, person.messageId));
    expect(message).toMatchObject({
      id: person.messageId,
      status: messageBefore!.status,
      addressCiphertext: null,
      subjectCiphertext: null,
      textCiphertext: null,
      htmlCiphertext: null,
      headers: null,
    });
    expect(message!.options).not.toHaveProperty("request");

    const kept = await h.handle.db
      .select({ channel: suppressions.channel, reason: suppressions.reason, hash: suppressions.addressHash })
      .from(suppressions)
      .where(eq(suppressions.workspaceId, h.workspaceId));
    expect(kept).toContainEqual({ channel: "email", reason: "erased", hash: emailHash });
    expect(kept).toContainEqual({ channel: "sms", reason: "manual", hash: phoneHash });

    const audit = await h.handle.db
      .select({ after: auditLog.after })
      .from(auditLog)
      .where(and(eq(auditLog.action, "contact.erased"), eq(auditLog.targetId, person.id)));
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.after)).not.toContain(person.email);

    const chain = await verifyWorkspaceAuditChain({ ctx: h.ctx() });
    expect(chain.ok).toBe(true);

    // Erasing again answers the same and writes nothing.
    const again = await rest("DELETE", `/contacts/${person.id}`, { key });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: person.id, email: null, erased: true });
    const audits = await h.handle.db
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(eq(auditLog.action, "contact.erased"), eq(auditLog.targetId, person.id)));
    expect(audits).toHaveLength(1);

    // The old contact and its old address are blocked.
    const toContact = await send({
      contactId: person.id,
      channel: "email",
      topic: "offers",
      content: { subject: "x", text: "y" },
    });
    expect(toContact.body).toMatchObject({ status: "blocked", reason: "erased" });
    const toAddress = await send({
      email: person.email,
      channel: "email",
      topic: "offers",
      content: { subject: "x", text: "y" },
    });
    expect(toAddress.body.status).toBe("blocked");
  }, 180_000);

  it("an erased address that comes back through the API is a new contact without consent, suppressed until it opts in with evidence", async () => {
    const person = await seedPerson();
    expect((await rest("DELETE", `/contacts/${person.id}`, { key })).status).toBe(200);

    const back = await rest("POST", "/contacts", { key, body: { email: person.email } });
    expect(back.status).toBe(200);
    expect(back.body.id).not.toBe(person.id);
    expect(back.body.erased).toBe(false);
    const consent = await rest("GET", `/contacts/${back.body.id}/consent`, { key });
    expect(consent.body.states).toEqual([]);

    const content = { subject: "News", text: "Hello" };
    const blocked = await send({ contactId: back.body.id, channel: "email", topic: "offers", content });
    expect(blocked.body).toMatchObject({ status: "blocked", reason: "suppressed" });

    // An opt-in without evidence is refused; with evidence it lifts the `erased` suppression.
    const bare = await rest("POST", `/contacts/${back.body.id}/consent`, {
      key,
      body: { channel: "email", topic: "offers", status: "opted_in", source: "api" },
    });
    expect(bare.status).toBe(400);
    const opted = await rest("POST", `/contacts/${back.body.id}/consent`, {
      key,
      body: { channel: "email", topic: "offers", status: "opted_in", source: "form", evidence: { ip: "203.0.113.8" } },
    });
    expect(opted.status).toBe(200);
    const emailHash = blindIndex(h.workspaceId, "email", person.email);
    const left = await h.handle.db
      .select()
      .from(suppressions)
      .where(and(eq(suppressions.workspaceId, h.workspaceId), eq(suppressions.addressHash, emailHash)));
    expect(left).toEqual([]);
    const lifted = await h.handle.db
      .select({ before: auditLog.before })
      .from(auditLog)
      .where(and(eq(auditLog.action, "suppression.removed"), eq(auditLog.targetId, back.body.id)));
    expect(lifted).toEqual([{ before: { channel: "email", reason: "erased" } }]);

    const allowed = await send({ contactId: back.body.id, channel: "email", topic: "offers", content });
    expect(allowed.body.status).toBe("queued");
    await h.settle();
  });

  it("an opt-in never lifts a suppression with another reason", async () => {
    const email = uniqueEmail();
    const id = await h.contact({ email });
    const addressHash = blindIndex(h.workspaceId, "email", email);
    await suppressAddress({
      ctx: h.ctx(),
      input: { channel: "email", addressHash, reason: "complaint", source: "provider" },
    });
    await h.optIn(id, "email", "offers");
    const [row] = await h.handle.db.select().from(suppressions).where(eq(suppressions.addressHash, addressHash));
    expect(row!.reason).toBe("complaint");
  });

  it("an erased address re-imported with an opt-in is a new contact whose opt-in is rejected as suppressed", async () => {
    const person = await seedPerson();
    expect((await rest("DELETE", `/contacts/${person.id}`, { key })).status).toBe(200);
    const marketer = (await createMember(h.handle.db, h.workspaceId, "marketer")).ctx;
    const created = await createImport({
      ctx: marketer,
      input: {
        filename: "return.csv",
        mapping: { email: "email", consentStatus: "consent", consentAt: "at" },
        topicKeys: ["offers"],
        channels: ["email"],
      },
    });
    async function* source() {
      yield Buffer.from(`email,consent,at\n${person.email},opted_in,2026-01-01T00:00:00Z\n`);
    }
    await runImport({ ctx: marketer, input: { importId: created.id, source: source() } });
    const found = await rest("GET", `/contacts?email=${encodeURIComponent(person.email)}`, { key });
    expect(found.body.items).toHaveLength(1);
    const back = found.body.items[0];
    expect(back.id).not.toBe(person.id);
    const consent = await rest("GET", `/contacts/${back.id}/consent`, { key });
    expect(consent.body.states).toEqual([]);
    const blocked = await send({
      contactId: back.id,
      channel: "email",
      topic: "offers",
      content: { subject: "a", text: "b" },
    });
    expect(blocked.body).toMatchObject({ status: "blocked", reason: "suppressed" });
  });
});

describe("contact export", () => {
  it("answers one JSON document with the contact, its consent history with evidence, messages and suppressions; audited", async () => {
    const person = await seedPerson();
    const res = await rest("GET", `/contacts/${person.id}/export`, { key });
    expect(res.status).toBe(200);
    expect(res.body.format).toBe("optin-manager.contact-export.v1");
    expect(res.body.contact).toMatchObject({
      id: person.id,
      email: person.email,
      phone: person.phone,
      firstName: "Zebulon",
      attributes: { city: "Lyon" },
      tags: ["vip"],
    });
    expect(res.body.consentHistory).toHaveLength(2);
    expect(res.body.consentHistory[0]).toMatchObject({
      channel: "email",
      topic: "offers",
      action: "opted_in",
      source: "form",
      evidence: { ip: EVIDENCE.ip, userAgent: EVIDENCE.userAgent, note: EVIDENCE.note },
      consentText: EVIDENCE.text,
    });
    expect(res.body.consentStates).toHaveLength(2);
    expect(res.body.messages).toHaveLength(1);
    expect(res.body.messages[0]).toMatchObject({
      id: person.messageId,
      subject: "Hello Zebulon",
      address: person.email,
    });
    expect(res.body.messages[0].events.length).toBeGreaterThan(0);

    const audit = await h.handle.db
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(eq(auditLog.action, "contact.exported"), eq(auditLog.targetId, person.id)));
    expect(audit).toHaveLength(1);

    expect((await rest("GET", `/contacts/${person.id}/export`, { key: otherKey })).status).toBe(404);

    // After erasure the export holds no personal data, and no bodies.
    await rest("DELETE", `/contacts/${person.id}`, { key });
    const after = await rest("GET", `/contacts/${person.id}/export`, { key });
    expect(after.status).toBe(200);
    expect(JSON.stringify(after.body)).not.toContain(person.email);
    expect(JSON.stringify(after.body)).not.toContain("Zebulon");
    expect(after.body.messages[0]).toMatchObject({ subject: null, text: null, address: null });
    expect(after.body.contact.erasedAt).toEqual(expect.any(String));
  });
});
