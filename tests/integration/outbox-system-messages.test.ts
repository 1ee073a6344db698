import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import {
  consentConfirmations,
  messageEvents,
  messages,
  templates,
  topics,
  type MessageRow,
  type Role,
  type TopicRow,
} from "@/db/schema";
import { systemClock } from "@/server/lib/clock";
import { decryptPii } from "@/server/lib/crypto";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { resetEnv } from "@/server/lib/env";
import { sendSignInLink } from "@/server/services/auth/send-sign-in-link";
import { confirmByCode } from "@/server/services/confirmations/confirm-by-code";
import { confirmByLink } from "@/server/services/confirmations/confirm-by-link";
import { requestConfirmation } from "@/server/services/confirmations/request-confirmation";
import { resendConfirmation } from "@/server/services/confirmations/resend-confirmation";
import { upsertContact } from "@/server/services/contacts";
import type { SendingContext } from "@/server/services/context";
import { handleInboundSms } from "@/server/services/inbound/handle-inbound-sms";
import { inviteMember } from "@/server/services/invitations/invite-member";
import { deliverMessages } from "@/server/services/messages/deliver";
import { getMessageDetail } from "@/server/services/messages/get-message-detail";
import { browseMessages } from "@/server/services/messages/browse-messages";
import { MESSAGE_PII_PURPOSE } from "@/server/services/messages/message-view";
import { listOutbox, type TOutboxItem } from "@/server/services/messages/list-outbox";
import { resendMessage } from "@/server/services/messages/resend-message";
import { retryMessage } from "@/server/services/messages/retry-message";
import { sweepDueMessages } from "@/server/services/messages/sweep-due-messages";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { ensureDefaultTemplates } from "@/server/services/templates/defaults";
import { ensureDefaultTemplatesEverywhere } from "@/server/services/templates/ensure-default-templates-everywhere";
import { updateTemplate } from "@/server/services/templates/update-template";
import { ensureDefaultTopics } from "@/server/services/topics";
import { addMember, createMember, createWorkspace, memberContext, systemContext } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { getOutbox, installOutbox } from "@/server/wiring";

/**
 * Confirmations, invitations, sign-in links and keyword replies are messages like any other:
 * recorded by the pipeline, delivered by the outbox, in the message history, and (with the log
 * transport, no provider configured) in the Outbox, where content is shown only to those allowed.
 */

const NO_QUIET_HOURS = {
  messaging: {
    quietHours: { enabled: false, start: "08:00", end: "21:00", stateRules: false },
    frequencyCaps: [],
    timezone: "UTC",
  },
};
const evidence = {
  ip: "203.0.113.9",
  userAgent: "Mozilla/5.0 (outbox test)",
  url: "https://acme.test/signup",
  text: "Yes, email me the news.",
  formVersion: "f@v1",
};

let handle: DbHandle;
let workspaceId: string;
let newsletter: TopicRow;
let promotions: TopicRow;
const ctxOf: Record<Role, SendingContext> = {} as Record<Role, SendingContext>;
const userOf: Record<Role, { id: string; email: string }> = {} as Record<Role, { id: string; email: string }>;
let system: SendingContext;

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  resetEnv();
  // The outbox of the environment: log transports (no provider configured).
  installOutbox(undefined);
  // No templates on purpose: the confirmation path creates the double opt-in ones on first use.
  const workspace = await createWorkspace(handle.db, { name: "Acme Coffee", settings: NO_QUIET_HOURS });
  workspaceId = workspace.id;
  await ensureDefaultTopics(handle.db, workspaceId, new Date());
  const rows = await handle.db.select().from(topics).where(eq(topics.workspaceId, workspaceId));
  newsletter = rows.find((t) => t.key === "newsletter")!;
  promotions = rows.find((t) => t.key === "promotions")!;
  for (const role of ["owner", "admin", "marketer", "viewer"] as const) {
    const member = await createMember(handle.db, workspaceId, role, {
      email: `${role}-${workspaceId.slice(0, 6)}@acme.test`,
    });
    ctxOf[role] = member.ctx;
    userOf[role] = { id: member.user.id, email: member.user.email };
  }
  system = systemContext(handle.db, workspaceId);
});

afterAll(async () => {
  await closeDb();
});

async function contact(input: { email?: string; phone?: string }) {
  return (await upsertContact({ ctx: system, input })).contact;
}

async function message(id: string): Promise<MessageRow> {
  const [row] = await handle.db.select().from(messages).where(eq(messages.id, id));
  return row!;
}

async function timeline(id: string) {
  return (
    await handle.db.select().from(messageEvents).where(eq(messageEvents.messageId, id)).orderBy(asc(messageEvents.seq))
  ).map((e) => e.status);
}

async function confirmationRow(id: string) {
  const [row] = await handle.db.select().from(consentConfirmations).where(eq(consentConfirmations.id, id));
  return row!;
}

async function outboxItem(role: Role, messageId: string): Promise<TOutboxItem | undefined> {
  const page = await listOutbox({ ctx: ctxOf[role], input: { limit: 50 } });
  return page.items.find((item) => item.id === messageId);
}

const text = (row: MessageRow) => decryptPii(row.textCiphertext!, MESSAGE_PII_PURPOSE.text);

describe("double opt-in confirmations with the log transport", () => {
  it("a link is a transactional message from the double_opt_in_link template, sent by the outbox, in the Outbox and the history", async () => {
    const person = await contact({ email: "doi-link@example.com" });
    const sent = await requestConfirmation({
      ctx: system,
      input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
    });
    expect(sent).toMatchObject({ channel: "email", method: "link", sentTo: "d•••@example.com" });

    const confirmation = await confirmationRow(sent.confirmationId!);
    expect(confirmation.messageId).toBeTruthy();
    const row = await message(confirmation.messageId!);
    expect(row).toMatchObject({
      workspaceId,
      contactId: person.id,
      userId: null,
      direction: "outbound",
      channel: "email",
      kind: "transactional",
      topicId: null,
      topicKey: null,
      status: "sent",
      transport: "log",
      attempts: 1,
      idempotencyKey: `confirmation-${confirmation.id}`,
      options: { purpose: "double_opt_in" },
    });
    expect(row.fromAddress).toContain('"Acme Coffee"');
    // Rendered from the workspace's template, created on first use.
    const [template] = await handle.db
      .select()
      .from(templates)
      .where(and(eq(templates.workspaceId, workspaceId), eq(templates.systemKey, "double_opt_in_link")));
    expect(row.templateId).toBe(template!.id);
    // The proof it relied on: the pending request itself (not consent), as in the ledger.
    expect(row.decision).toMatchObject({ outcome: "send", consent: { status: "pending", source: "form" } });
    expect(row.consentEventId).toBe(row.decision!.consent!.eventId);
    expect(row.decision!.checks.find((c) => c.startsWith("consent:"))).toMatch(
      /^consent: not required \(this message asks for it; the grant stays pending until confirmed\); recorded pending via form/,
    );
    expect(await timeline(row.id)).toEqual(["queued", "sending", "sent"]);
    // The token is only in the encrypted content.
    expect(JSON.stringify(row)).not.toMatch(/\/confirm\//);
    const link = /\/confirm\/([A-Za-z0-9_-]{43})/.exec(text(row))![1]!;

    const item = await outboxItem("owner", row.id);
    expect(item).toMatchObject({
      channel: "email",
      kind: "transactional",
      purpose: "double_opt_in",
      to: "doi-link@example.com",
      status: "sent",
    });
    expect(item!.content!.subject).toBe("Confirm your subscription to Acme Coffee");
    expect(item!.content!.html).toContain(`/confirm/${link}`);
    expect((await outboxItem("marketer", row.id))!.content!.text).toContain(link);
    const viewerItem = await outboxItem("viewer", row.id);
    expect(viewerItem).toMatchObject({ to: "d•••@example.com", content: null });

    const history = await browseMessages({ ctx: ctxOf.marketer, input: { contactId: person.id } });
    expect(
      history.items.map((i) => ({ id: i.id, purpose: i.purpose, kind: i.kind, templateName: i.templateName })),
    ).toEqual([
      {
        id: row.id,
        purpose: "double_opt_in",
        kind: "transactional",
        templateName: "Double opt-in confirmation (email)",
      },
    ]);

    // The link read from the Outbox confirms.
    expect(await confirmByLink({ ctx: { db: handle.db, now: systemClock }, input: { token: link } })).toMatchObject({
      status: "confirmed",
      changed: true,
    });
  });

  it("a code is an SMS from the double_opt_in_code template; resend records a new message on the same path", async () => {
    const person = await contact({ phone: "+1 415 555 0171" });
    const sent = await requestConfirmation({
      ctx: system,
      input: { contactId: person.id, channel: "sms", topicRows: [promotions], source: "form", evidence },
    });
    const first = await message((await confirmationRow(sent.confirmationId!)).messageId!);
    expect(first).toMatchObject({
      channel: "sms",
      kind: "transactional",
      status: "sent",
      transport: "log",
      topicId: null,
      options: { purpose: "double_opt_in" },
    });
    expect(text(first)).toMatch(/^Acme Coffee: your confirmation code is \d{6}\. It expires in 15 min\./);
    expect((await outboxItem("admin", first.id))!.content!.text).toBe(text(first));

    const again = await resendConfirmation({ ctx: ctxOf.marketer, input: { contactId: person.id, channel: "sms" } });
    const second = await message((await confirmationRow(again.confirmationId!)).messageId!);
    expect(second.id).not.toBe(first.id);
    expect(second).toMatchObject({ status: "sent", transport: "log", options: { purpose: "double_opt_in" } });
    const code = /code is (\d{6})/.exec(text(second))![1]!;
    expect(
      await confirmByCode({
        ctx: { db: handle.db, now: systemClock },
        input: { confirmationId: again.confirmationId!, code },
      }),
    ).toMatchObject({ outcome: "confirmed" });
  });

  it("is never re-run as a message: retry and resend refuse, the detail offers neither", async () => {
    const person = await contact({ email: "no-rerun@example.com" });
    const sent = await requestConfirmation({
      ctx: system,
      input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
    });
    const id = (await confirmationRow(sent.confirmationId!)).messageId!;
    const detail = await getMessageDetail({ ctx: ctxOf.owner, input: { id } });
    expect(detail.can).toEqual({ retry: false, resend: false });
    expect(detail.message.purpose).toBe("double_opt_in");
    // The proof shown is the pending request it asks to confirm.
    expect(detail.consentEvent).toMatchObject({
      action: "opted_in",
      needsConfirmation: true,
      topic: "newsletter",
      source: "form",
    });
    await expect(resendMessage({ ctx: ctxOf.owner, input: { id } })).rejects.toMatchObject({ code: "CONFLICT" });
    await handle.db.update(messages).set({ status: "failed" }).where(eq(messages.id, id));
    await expect(retryMessage({ ctx: ctxOf.owner, input: { id } })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("an archived template, or one edited to leave the link out, falls back to the built-in wording with a working link", async () => {
    const [template] = await handle.db
      .select()
      .from(templates)
      .where(and(eq(templates.workspaceId, workspaceId), eq(templates.systemKey, "double_opt_in_link")));
    await handle.db.update(templates).set({ archivedAt: new Date() }).where(eq(templates.id, template!.id));
    try {
      const person = await contact({ email: "archived-template@example.com" });
      const sent = await requestConfirmation({
        ctx: system,
        input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
      });
      const row = await message((await confirmationRow(sent.confirmationId!)).messageId!);
      expect(row.templateId).toBeNull();
      expect(text(row)).toMatch(/\/confirm\/[A-Za-z0-9_-]{43}/);
      expect(decryptPii(row.subjectCiphertext!, MESSAGE_PII_PURPOSE.subject)).toBe(
        "Confirm your subscription to Acme Coffee",
      );
    } finally {
      await handle.db.update(templates).set({ archivedAt: null }).where(eq(templates.id, template!.id));
    }
  });

  it("an SMS template edited to leave the code out falls back to the built-in wording", async () => {
    const other = await createWorkspace(handle.db, { name: "Beta Beans", settings: NO_QUIET_HOURS });
    await ensureDefaultTopics(handle.db, other.id, new Date());
    await ensureDefaultTemplates(handle.db, other.id, systemClock);
    const [codeTemplate] = await handle.db
      .select()
      .from(templates)
      .where(and(eq(templates.workspaceId, other.id), eq(templates.systemKey, "double_opt_in_code")));
    // An admin's edit that drops the code: the template is valid, it just cannot confirm anything.
    await updateTemplate({
      ctx: systemContext(handle.db, other.id),
      input: {
        id: codeTemplate!.id,
        content: {
          defaultLocale: "en",
          variables: [],
          variants: { en: { text: "{{ workspace.name }}: reply YES to join." } },
        },
      },
    });
    const [promo] = await handle.db
      .select()
      .from(topics)
      .where(and(eq(topics.workspaceId, other.id), eq(topics.key, "promotions")));
    const ctx = systemContext(handle.db, other.id);
    const person = (await upsertContact({ ctx, input: { phone: "+1 415 555 0172" } })).contact;
    const sent = await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "sms", topicRows: [promo!], source: "form", evidence },
    });
    const row = await message((await confirmationRow(sent.confirmationId!)).messageId!);
    expect(row.templateId).toBeNull();
    expect(text(row)).toMatch(/^Beta Beans: your confirmation code is \d{6}\./);
  });
});

describe("invitations and sign-in links: system messages to members", () => {
  it("an invitation is recorded, sent by the outbox, shown in the Outbox to admins and owners only, and in the history", async () => {
    const invited = await inviteMember({ ctx: ctxOf.admin, input: { email: "New.Hire@Acme.test", role: "marketer" } });
    expect(invited).toMatchObject({ emailed: false, delivery: "log" }); // the log transport sends nothing
    expect(invited.inviteUrl).toBe(`http://localhost:3000/invite/${invited.token}`);
    const row = await message(invited.messageId!);
    expect(row).toMatchObject({
      workspaceId,
      kind: "system",
      contactId: null,
      userId: null,
      addressHash: null,
      topicId: null,
      status: "sent",
      transport: "log",
      options: { purpose: "invitation", recipientRole: "marketer" },
    });
    expect(row.decision!.checks[0]).toMatch(/^recipient: invited to the workspace/);
    expect(await timeline(row.id)).toEqual(["queued", "sending", "sent"]);
    expect(JSON.stringify(row)).not.toContain(invited.token);

    const owner = await outboxItem("owner", row.id);
    expect(owner).toMatchObject({ kind: "system", purpose: "invitation", to: "new.hire@acme.test", contactId: null });
    expect(owner!.content!.text).toContain(invited.inviteUrl);
    expect((await outboxItem("admin", row.id))!.content!.html).toContain(invited.inviteUrl);
    // Marketers see contacts' messages in full, not the secrets of members' messages.
    expect(await outboxItem("marketer", row.id)).toMatchObject({ to: "new.hire@acme.test", content: null });
    expect(await outboxItem("viewer", row.id)).toMatchObject({ to: "n•••@acme.test", content: null });

    const history = await browseMessages({ ctx: ctxOf.viewer, input: {} });
    expect(history.items.find((i) => i.id === row.id)).toMatchObject({
      kind: "system",
      purpose: "invitation",
      address: "n•••@acme.test",
      preview: null,
    });
    const detail = await getMessageDetail({ ctx: ctxOf.admin, input: { id: row.id } });
    expect(detail.content!.text).toContain(invited.inviteUrl);
    expect(detail.can).toEqual({ retry: false, resend: false });
    expect((await getMessageDetail({ ctx: ctxOf.marketer, input: { id: row.id } })).content).toBeNull();
  });

  it("an owner invitation is for owners' eyes: an admin sees it without its link", async () => {
    const invited = await inviteMember({ ctx: ctxOf.owner, input: { email: "co-owner@acme.test", role: "owner" } });
    expect((await outboxItem("owner", invited.messageId!))!.content!.text).toContain(invited.inviteUrl);
    expect(await outboxItem("admin", invited.messageId!)).toMatchObject({ purpose: "invitation", content: null });
    expect((await getMessageDetail({ ctx: ctxOf.admin, input: { id: invited.messageId! } })).content).toBeNull();
  });

  it("an invitation to an address that already has an account names that member", async () => {
    const other = await createWorkspace(handle.db, { name: "Other" });
    const invited = await inviteMember({
      ctx: memberContext(handle.db, other.id, userOf.owner.id, "owner"),
      input: { email: userOf.viewer.email, role: "admin" },
    });
    expect(await message(invited.messageId!)).toMatchObject({
      workspaceId: other.id,
      userId: userOf.viewer.id,
      kind: "system",
    });
  });

  it("a sign-in link is recorded in the workspace of the member's highest role and read there only by roles at or above it", async () => {
    const url = "http://localhost:3000/api/auth/callback/email?token=abc123&email=x";
    const { messageId } = await sendSignInLink({
      ctx: { db: handle.db, now: systemClock, outbox: getOutbox() },
      input: { email: userOf.admin.email.toUpperCase(), url, expires: new Date(Date.now() + 15 * 60_000) },
    });
    const row = await message(messageId!);
    expect(row).toMatchObject({
      workspaceId,
      kind: "system",
      userId: userOf.admin.id,
      contactId: null,
      addressHash: null,
      status: "sent",
      transport: "log",
      options: { purpose: "magic_link", recipientRole: "admin" },
    });
    expect(decryptPii(row.addressCiphertext!, MESSAGE_PII_PURPOSE.address)).toBe(userOf.admin.email);
    expect((await outboxItem("owner", row.id))!.content!.text).toContain(url);
    expect((await outboxItem("admin", row.id))!.content!.text).toContain(url);
    expect(await outboxItem("marketer", row.id)).toMatchObject({ purpose: "magic_link", content: null });

    // The owner's own link: recorded where they are owner; an admin never reads it.
    const ownerLink = await sendSignInLink({
      ctx: { db: handle.db, now: systemClock, outbox: getOutbox() },
      input: { email: userOf.owner.email, url, expires: new Date(Date.now() + 15 * 60_000) },
    });
    expect(await message(ownerLink.messageId!)).toMatchObject({ workspaceId, options: { recipientRole: "owner" } });
    expect((await outboxItem("owner", ownerLink.messageId!))!.content!.text).toContain(url);
    expect(await outboxItem("admin", ownerLink.messageId!)).toMatchObject({ content: null });
  });

  it("a member of several workspaces gets the link recorded where they hold the highest role", async () => {
    const higher = await createWorkspace(handle.db, { name: "Viewer's own shop" });
    await addMember(handle.db, higher.id, userOf.viewer.id, "owner");
    const { messageId } = await sendSignInLink({
      ctx: { db: handle.db, now: systemClock, outbox: getOutbox() },
      input: { email: userOf.viewer.email, url: "http://localhost:3000/x", expires: new Date(Date.now() + 60_000) },
    });
    expect(await message(messageId!)).toMatchObject({ workspaceId: higher.id, options: { recipientRole: "owner" } });
  });

  it("an address without an active member records and sends nothing", async () => {
    expect(
      await sendSignInLink({
        ctx: { db: handle.db, now: systemClock, outbox: getOutbox() },
        input: { email: "nobody@acme.test", url: "http://localhost:3000/x", expires: new Date() },
      }),
    ).toEqual({ messageId: null });
  });
});

describe("keyword replies", () => {
  it("are recorded through the pipeline as sent with transport twiml, never handed to the outbox again", async () => {
    const number = "+14155550990";
    const ws = await createWorkspace(handle.db, { name: "Text Co", settings: { sms: { inboundNumbers: [number] } } });
    await ensureDefaultTopics(handle.db, ws.id, new Date());
    const ctx = systemContext(handle.db, ws.id);
    const person = (await upsertContact({ ctx, input: { phone: "+1 415 555 0173" } })).contact;
    await recordConsentChange({
      ctx,
      input: {
        contactId: person.id,
        channel: "sms",
        topicKey: "promotions",
        action: "opted_in",
        source: "api",
        evidence: { ip: "203.0.113.1" },
      },
    });

    const result = await handleInboundSms({
      ctx: { db: handle.db, now: systemClock },
      input: { messageSid: "SM0123456789abcdef0123456789abcdef", from: "+14155550173", to: number, body: "STOP" },
    });
    expect(result.reply).toMatch(/unsubscribed/i);
    const [reply] = await handle.db
      .select()
      .from(messages)
      .where(and(eq(messages.workspaceId, ws.id), eq(messages.relation, "keyword_reply")));
    expect(reply).toMatchObject({
      direction: "outbound",
      kind: "transactional",
      contactId: person.id,
      status: "sent",
      transport: "twiml",
      providerMessageId: null,
      parentMessageId: result.deliveries[0]!.messageId,
      fromAddress: number,
      segments: 1,
    });
    expect(text(reply!)).toBe(result.reply);
    expect(reply!.decision!.checks).toEqual([
      "keyword reply: answers an inbound SMS keyword, carries no marketing, needs no consent",
    ]);
    expect(await timeline(reply!.id)).toEqual(["sent"]);
    const [event] = await handle.db.select().from(messageEvents).where(eq(messageEvents.messageId, reply!.id));
    expect(event!.detail).toMatchObject({ transport: "twiml", relation: "keyword_reply" });

    // Neither the outbox nor its sweep claims it.
    expect(
      (
        await deliverMessages({
          ctx: { db: handle.db, now: systemClock, outbox: getOutbox() },
          input: { messageIds: [reply!.id] },
        })
      ).claimed,
    ).toBe(0);
    await sweepDueMessages({
      ctx: { db: handle.db, now: () => new Date(Date.now() + 60 * 60_000), outbox: getOutbox() },
    });
    expect(await timeline(reply!.id)).toEqual(["sent"]);
    // In the history, not in the Outbox (the log transport did not carry it).
    const history = await browseMessages({ ctx, input: { contactId: person.id } });
    expect(history.items.map((i) => [i.direction, i.relation, i.transport]).sort()).toEqual([
      ["inbound", null, "twilio"],
      ["outbound", "keyword_reply", "twiml"],
    ]);
    expect((await listOutbox({ ctx, input: {} })).items).toEqual([]);
  });
});

describe("system templates for existing workspaces", () => {
  it("start-up gives every workspace the default templates it lacks (the double opt-in ones included), once", async () => {
    const old = await createWorkspace(handle.db, { name: "Older shop" });
    const looked = await ensureDefaultTemplatesEverywhere({ ctx: { db: handle.db, now: systemClock } });
    expect(looked).toBeGreaterThanOrEqual(1);
    const rows = await handle.db
      .select({ systemKey: templates.systemKey })
      .from(templates)
      .where(eq(templates.workspaceId, old.id));
    expect(rows.map((r) => r.systemKey).sort()).toEqual([
      "double_opt_in_code",
      "double_opt_in_link",
      "help_reply",
      "newsletter",
      "opt_out_confirmation",
      "welcome",
    ]);
    await ensureDefaultTemplatesEverywhere({ ctx: { db: handle.db, now: systemClock } });
    expect(
      await handle.db.select({ id: templates.id }).from(templates).where(eq(templates.workspaceId, old.id)),
    ).toHaveLength(6);
  });
});
