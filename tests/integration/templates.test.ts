import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { auditLog, templateVersions, templates } from "@/db/schema";
import { createCaller } from "@/server/api/root";
import type { RequestAuth, TrpcContext } from "@/server/api/trpc";
import { systemClock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { resetEnv } from "@/server/lib/env";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { upsertContact } from "@/server/services/contacts";
import type { ServiceContext } from "@/server/services/context";
import { archiveTemplate } from "@/server/services/templates/archive-template";
import { createTemplate } from "@/server/services/templates/create-template";
import { ensureDefaultTemplates, getSystemTemplate } from "@/server/services/templates/defaults";
import { getTemplate } from "@/server/services/templates/get-template";
import { listTemplates } from "@/server/services/templates/list-templates";
import { renderForSend, type RenderInput, type RenderRecipient } from "@/server/services/templates/render";
import { restoreTemplateVersion } from "@/server/services/templates/restore-template-version";
import type { TCreateTemplateInput } from "@/server/services/templates/schemas";
import { updateTemplate } from "@/server/services/templates/update-template";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { getOutbox } from "@/server/wiring";

const POSTAL = "Acme Coffee Inc., 1 Market St, San Francisco, CA 94105";
const LINKS = {
  unsubscribeUrl: "http://localhost:3000/u/tok-1",
  preferencesUrl: "http://localhost:3000/preferences/tok-2",
};

let handle: DbHandle;
let workspaceId: string;
let otherWorkspaceId: string;
let marketer: ServiceContext;
let marketerUserId: string;
let viewerUserId: string;
let other: ServiceContext;

beforeAll(async () => {
  process.env.POSTAL_ADDRESS = POSTAL;
  resetEnv();
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { name: "Acme Coffee" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  const m = await createMember(handle.db, ws.id, "marketer");
  marketer = m.ctx;
  marketerUserId = m.user.id;
  viewerUserId = (await createMember(handle.db, ws.id, "viewer")).user.id;
  const otherWs = await createWorkspace(handle.db, { name: "Other Brand" });
  otherWorkspaceId = otherWs.id;
  other = (await createMember(handle.db, otherWs.id, "admin")).ctx;
});
afterAll(async () => {
  delete process.env.POSTAL_ADDRESS;
  resetEnv();
  await closeDb();
});

function emailTemplate(overrides: Partial<TCreateTemplateInput> = {}): TCreateTemplateInput {
  return {
    key: `order-shipped-${Math.random().toString(36).slice(2, 8)}`,
    name: "Order shipped",
    channel: "email",
    category: "transactional",
    content: {
      defaultLocale: "en",
      variables: [{ name: "order_id", sample: "A-1001" }],
      variants: {
        en: {
          subject: "Order {{ order_id }} is on its way",
          text: "",
          html: "<p>Hi {{ contact.first_name | default: &quot;there&quot; }}, order {{ order_id }} shipped.</p>",
        },
        fr: {
          subject: "Commande {{ order_id }} expédiée",
          text: "",
          html: "<p>Bonjour {{ contact.first_name | default: &quot;vous&quot; }}, la commande {{ order_id }} est partie.</p>",
        },
      },
    },
    ...overrides,
  };
}

function recipient(overrides: Partial<RenderRecipient> = {}): RenderRecipient {
  return {
    id: "7d1c9d5e-7c1a-4a59-9f55-1f2b3c4d5e6f",
    firstName: "Rita",
    lastName: "Ng",
    email: "rita@example.com",
    phone: "+14155550100",
    locale: null,
    timezone: null,
    attributes: {},
    tags: [],
    ...overrides,
  };
}

function sendInput(overrides: Partial<RenderInput>): RenderInput {
  return {
    db: handle.db,
    workspaceId,
    source: { content: { text: "Hello" } },
    channel: "email",
    kind: "transactional",
    variables: {},
    contact: recipient(),
    workspace: { name: "Acme Coffee" },
    links: LINKS,
    ...overrides,
  };
}

async function appError(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: (error as { code?: string }).code ?? "?", message: (error as Error).message };
  }
  throw new Error("expected an error");
}

async function callerFor(userId: string) {
  const membership = await resolveSessionMembership(handle.db, userId, workspaceId);
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

describe("template versions", () => {
  it("create makes version 1; a changed save makes version 2; an unchanged save makes none", async () => {
    const created = await createTemplate({ ctx: marketer, input: emailTemplate() });
    expect(created.currentVersion).toBe(1);
    expect(created.current?.compliance.ok).toBe(true);
    // The plain-text part is derived from the HTML, Liquid included.
    expect(created.current?.variants.en?.text).toBe(
      'Hi {{ contact.first_name | default: "there" }}, order {{ order_id }} shipped.',
    );

    const content = {
      ...emailTemplate().content,
      variants: {
        ...emailTemplate().content.variants,
        en: { subject: "Shipped: {{ order_id }}", text: "", html: "<p>Order {{ order_id }} shipped.</p>" },
      },
    };
    const v2 = await updateTemplate({ ctx: marketer, input: { id: created.id, content } });
    expect(v2.currentVersion).toBe(2);
    expect(v2.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(v2.versions[0]!.createdBy).toBeTruthy();

    const same = await updateTemplate({
      ctx: marketer,
      input: { id: created.id, content, name: "Order shipped (v2)" },
    });
    expect(same.currentVersion).toBe(2);
    expect(same.name).toBe("Order shipped (v2)");

    const restored = await restoreTemplateVersion({ ctx: marketer, input: { id: created.id, version: 1 } });
    expect(restored.currentVersion).toBe(3);
    expect(restored.current?.restoredFromVersion).toBe(1);
    expect(restored.current?.variants).toEqual(created.current?.variants);

    const actions = await handle.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.targetId, created.id));
    expect(actions.map((a) => a.action)).toEqual([
      "template.created",
      "template.updated",
      "template.updated",
      "template.restored",
    ]);
  });

  it("the database refuses to UPDATE a template version", async () => {
    const created = await createTemplate({ ctx: marketer, input: emailTemplate() });
    let message = "";
    try {
      await handle.db.update(templateVersions).set({ version: 99 }).where(eq(templateVersions.id, created.current!.id));
    } catch (error) {
      message = `${(error as Error).message} ${(error as { cause?: Error }).cause?.message ?? ""}`;
    }
    expect(message).toMatch(/immutable: UPDATE refused/);
    const [row] = await handle.db.select().from(templateVersions).where(eq(templateVersions.id, created.current!.id));
    expect(row!.version).toBe(1);
  });

  it("refuses to save unknown variables, unknown filters and broken Liquid, naming each", async () => {
    const unknownVar = await appError(
      createTemplate({
        ctx: marketer,
        input: emailTemplate({ content: { ...emailTemplate().content, variables: [] } }),
      }),
    );
    expect(unknownVar.code).toBe("INVALID");
    expect(unknownVar.message).toMatch(/unknown variable "order_id"/);

    const badFilter = emailTemplate();
    badFilter.content.variants.en = { subject: "{{ order_id | shout }}", text: "", html: "<p>x</p>" };
    expect((await appError(createTemplate({ ctx: marketer, input: badFilter }))).message).toMatch(
      /undefined filter: shout/,
    );

    const badContactField = emailTemplate();
    badContactField.content.variants.en = { subject: "Hi {{ contact.frist_name }}", text: "", html: "<p>x</p>" };
    expect((await appError(createTemplate({ ctx: marketer, input: badContactField }))).message).toMatch(
      /unknown variable "contact.frist_name"/,
    );

    const noSubject = emailTemplate();
    noSubject.content.variants.en = { subject: "", text: "", html: "<p>x</p>" };
    expect((await appError(createTemplate({ ctx: marketer, input: noSubject }))).message).toMatch(/needs a subject/);
  });

  it("a duplicate key is a conflict; a topic of another channel is refused", async () => {
    const input = emailTemplate();
    await createTemplate({ ctx: marketer, input });
    expect((await appError(createTemplate({ ctx: marketer, input }))).code).toBe("CONFLICT");
    expect(
      (await appError(createTemplate({ ctx: marketer, input: emailTemplate({ topicKey: "promotions" }) }))).message,
    ).toMatch(/not offered by email/);
  });

  it("lists with channel, category and search filters; archived ones only on request", async () => {
    const created = await createTemplate({ ctx: marketer, input: emailTemplate({ name: "Zebra receipt" }) });
    expect((await listTemplates({ ctx: marketer, input: { search: "zebra" } })).map((t) => t.id)).toEqual([created.id]);
    expect(await listTemplates({ ctx: marketer, input: { search: "zebra", channel: "sms" } })).toEqual([]);
    expect(await listTemplates({ ctx: marketer, input: { search: "zebra", category: "promotional" } })).toEqual([]);
    await archiveTemplate({ ctx: marketer, input: { id: created.id } });
    expect(await listTemplates({ ctx: marketer, input: { search: "zebra" } })).toEqual([]);
    expect(await listTemplates({ ctx: marketer, input: { search: "zebra", includeArchived: true } })).toHaveLength(1);
  });
});

describe("renderForSend", () => {
  it("renders by id with the contact's locale (falling back to the default) and records the version", async () => {
    const created = await createTemplate({ ctx: marketer, input: emailTemplate() });
    const en = await renderForSend(sendInput({ source: { templateId: created.id }, variables: { order_id: "Z-9" } }));
    expect(en).toMatchObject({
      subject: "Order Z-9 is on its way",
      templateId: created.id,
      templateVersionId: created.current!.id,
      templateVersion: 1,
      locale: "en",
    });
    expect(en.html).toContain("Hi Rita, order Z-9 shipped.");
    expect(en.text).toContain("Hi Rita, order Z-9 shipped.");
    expect(en.html).toContain(POSTAL);

    const fr = await renderForSend(
      sendInput({
        source: { templateKey: created.key },
        variables: { order_id: "Z-9" },
        contact: recipient({ locale: "fr-CA", firstName: null }),
      }),
    );
    expect(fr.locale).toBe("fr");
    expect(fr.subject).toBe("Commande Z-9 expédiée");
    expect(fr.html).toContain("Bonjour vous");

    const de = await renderForSend(
      sendInput({
        source: { templateId: created.id },
        variables: { order_id: "Z-9" },
        contact: recipient({ locale: "de" }),
      }),
    );
    expect(de.locale).toBe("en");
  });

  it("a missing variable, an archived template or another channel is INVALID; another workspace's template is NOT_FOUND", async () => {
    const created = await createTemplate({ ctx: marketer, input: emailTemplate() });
    const missing = await appError(renderForSend(sendInput({ source: { templateId: created.id } })));
    expect(missing).toMatchObject({ code: "INVALID" });
    expect(missing.message).toMatch(/could not be rendered: .*undefined variable: order_id/);
    expect(
      (
        await appError(
          renderForSend(
            sendInput({ source: { templateId: created.id }, channel: "sms", variables: { order_id: "1" } }),
          ),
        )
      ).message,
    ).toMatch(/is for email, not SMS/);

    expect(
      (
        await appError(
          renderForSend(
            sendInput({
              workspaceId: otherWorkspaceId,
              source: { templateId: created.id },
              variables: { order_id: "1" },
            }),
          ),
        )
      ).code,
    ).toBe("NOT_FOUND");
    expect(
      (
        await appError(
          renderForSend(sendInput({ workspaceId: otherWorkspaceId, source: { templateKey: created.key } })),
        )
      ).code,
    ).toBe("NOT_FOUND");
    expect((await appError(renderForSend(sendInput({ source: { templateId: "not-a-uuid" } })))).code).toBe("NOT_FOUND");
    await expect(getTemplate({ ctx: other, input: { id: created.id } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(updateTemplate({ ctx: other, input: { id: created.id, name: "Hijack" } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });

    await archiveTemplate({ ctx: marketer, input: { id: created.id } });
    expect(
      (await appError(renderForSend(sendInput({ source: { templateId: created.id }, variables: { order_id: "1" } }))))
        .message,
    ).toMatch(/is archived/);
  });

  it("inline content goes through the same Liquid, layout and checks", async () => {
    const email = await renderForSend(
      sendInput({
        kind: "marketing",
        source: {
          content: { subject: "Hi {{ contact.first_name }}", text: "Fresh beans for {{ contact.first_name }}." },
        },
      }),
    );
    expect(email.subject).toBe("Hi Rita");
    expect(email.html).toContain("<p");
    expect(email.html).toContain("Fresh beans for Rita.");
    expect(email.html).toContain(`href="${LINKS.unsubscribeUrl}"`);
    expect(email.text).toContain(`Unsubscribe: ${LINKS.unsubscribeUrl}`);
    expect(email.templateId).toBeNull();

    const sms = await renderForSend(
      sendInput({ channel: "sms", kind: "marketing", source: { content: { text: "20% off all beans today" } } }),
    );
    expect(sms).toMatchObject({
      subject: null,
      html: null,
      text: "Acme Coffee: 20% off all beans today. Reply STOP to opt out.",
    });

    const compliant = await renderForSend(
      sendInput({
        channel: "sms",
        kind: "marketing",
        source: { content: { text: "Acme Coffee: 20% off. Text STOP to quit" } },
      }),
    );
    expect(compliant.text).toBe("Acme Coffee: 20% off. Text STOP to quit");

    const strict = await appError(
      renderForSend(sendInput({ channel: "sms", source: { content: { text: "{{ nope }}" } } })),
    );
    expect(strict).toMatchObject({ code: "INVALID" });
    expect(strict.message).toMatch(/undefined variable: nope/);
  });

  it("a marketing email is refused without links or while POSTAL_ADDRESS is the placeholder", async () => {
    const marketing = sendInput({ kind: "marketing", source: { content: { subject: "News", text: "Hello" } } });
    expect((await appError(renderForSend({ ...marketing, links: null }))).message).toMatch(
      /fails the compliance check: .*unsubscribe link/,
    );
    delete process.env.POSTAL_ADDRESS;
    resetEnv();
    try {
      // The log transport (no provider): rendered, with the placeholder visible in the footer.
      expect((await renderForSend(marketing)).html).toContain("[Postal address: set it in Settings");
      // A real provider: refused.
      process.env.RESEND_API_KEY = "re_test_key";
      resetEnv();
      expect((await appError(renderForSend(marketing))).message).toMatch(/postal address/);
      // A transactional email is fine without one.
      expect((await renderForSend({ ...marketing, kind: "transactional" })).html).not.toContain(
        "[Postal address: set it in Settings",
      );
    } finally {
      delete process.env.RESEND_API_KEY;
      process.env.POSTAL_ADDRESS = POSTAL;
      resetEnv();
    }
  });
});

describe("default templates", () => {
  it("a new workspace gets compliant welcome, opt-out, help, newsletter and double opt-in templates, once", async () => {
    const ws = await createWorkspace(handle.db, { name: "Bean There" });
    await ensureDefaultTopics(handle.db, ws.id, new Date());
    await ensureDefaultTemplates(handle.db, ws.id, systemClock);
    await ensureDefaultTemplates(handle.db, ws.id, systemClock);
    const rows = await handle.db.select().from(templates).where(eq(templates.workspaceId, ws.id));
    expect(rows.map((r) => r.systemKey).sort()).toEqual([
      "double_opt_in_code",
      "double_opt_in_link",
      "help_reply",
      "newsletter",
      "opt_out_confirmation",
      "welcome",
    ]);
    const versions = await handle.db.select().from(templateVersions).where(eq(templateVersions.workspaceId, ws.id));
    expect(versions).toHaveLength(6);
    for (const v of versions) expect(v.compliance).toMatchObject({ ok: true });

    const optOut = await getSystemTemplate(handle.db, ws.id, "opt_out_confirmation");
    expect(optOut).toMatchObject({ channel: "sms" });
    expect((await getSystemTemplate(handle.db, ws.id, "help_reply"))?.channel).toBe("sms");
    expect(await getSystemTemplate(handle.db, workspaceId, "nope")).toBeNull();

    const base = { ...sendInput({}), workspaceId: ws.id, workspace: { name: "Bean There" } };
    const reply = await renderForSend({
      ...base,
      channel: "sms",
      kind: "transactional",
      source: { templateId: optOut!.id },
      links: null,
    });
    expect(reply.text).toBe(
      "Bean There: You're unsubscribed and will get no more messages from us. Reply START to resubscribe.",
    );
    const help = await renderForSend({
      ...base,
      channel: "sms",
      kind: "transactional",
      source: { templateKey: "help_reply" },
      links: null,
    });
    expect(help.text).toMatch(/^Bean There: .*Reply STOP to opt out, START to resubscribe\.$/);
    const welcome = await renderForSend({
      ...base,
      channel: "sms",
      kind: "marketing",
      source: { templateKey: "welcome" },
    });
    expect(welcome.text).toBe(
      "Bean There: Thanks for joining, Rita! Msg frequency varies. Msg & data rates may apply. Reply HELP for help, STOP to opt out.",
    );
    const newsletter = await renderForSend({
      ...base,
      channel: "email",
      kind: "marketing",
      source: { templateKey: "newsletter" },
    });
    expect(newsletter.subject).toBe("Bean There newsletter: this month's news");
    expect(newsletter.html).toContain(`href="${LINKS.unsubscribeUrl}"`);
    expect(newsletter.html).toContain(POSTAL);

    const link = await renderForSend({
      ...base,
      channel: "email",
      kind: "transactional",
      source: { templateKey: "double_opt_in_link" },
      variables: { confirmation_url: "https://optin.test/confirm/abc", topics: "Newsletter and Offers", hours: 48 },
      links: null,
    });
    expect(link.subject).toBe("Confirm your subscription to Bean There");
    expect(link.text).toContain("https://optin.test/confirm/abc");
    expect(link.text).toContain("receive Newsletter and Offers from Bean There");
    expect(link.html).toContain('href="https://optin.test/confirm/abc"');
    const code = await renderForSend({
      ...base,
      channel: "sms",
      kind: "transactional",
      source: { templateKey: "double_opt_in_code" },
      variables: { code: "012345", minutes: 15, topics: "Offers" },
      links: null,
    });
    expect(code.text).toBe(
      "Bean There: your confirmation code is 012345. It expires in 15 min. If you did not ask for it, ignore this message. Reply STOP to opt out.",
    );

    const audits = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws.id), eq(auditLog.action, "template.created")));
    expect(audits).toHaveLength(6);
  });
});

describe("templates router", () => {
  it("viewers read and preview (contact fields masked) but cannot edit; marketers edit", async () => {
    const { contact } = await upsertContact({
      ctx: marketer,
      input: { email: "paula@example.com", firstName: "Paula", locale: "fr" },
    });
    const viewer = await callerFor(viewerUserId);
    const editor = await callerFor(marketerUserId);
    const created = await editor.templates.create(emailTemplate());
    expect((await viewer.templates.get({ id: created.id })).currentVersion).toBe(1);
    await expect(viewer.templates.create(emailTemplate())).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(viewer.templates.restore({ id: created.id, version: 1 })).rejects.toMatchObject({ code: "FORBIDDEN" });

    const draft = emailTemplate().content;
    const preview = await editor.templates.preview({
      channel: "email",
      category: "transactional",
      ...draft,
      contactId: contact.id,
    });
    expect(preview.locale).toBe("fr");
    expect(preview.html).toContain("Bonjour Paula");
    expect(preview.canSave).toBe(true);
    const masked = await viewer.templates.preview({
      channel: "email",
      category: "transactional",
      ...draft,
      contactId: contact.id,
    });
    expect(masked.html).not.toContain("Paula");

    const broken = await editor.templates.preview({
      channel: "sms",
      category: "promotional",
      defaultLocale: "en",
      variants: { en: { text: "Deal {{ code }}" } },
      variables: [],
    });
    expect(broken.canSave).toBe(false);
    expect(broken.problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: "unknown_variable" })]));
    const sms = await editor.templates.preview({
      channel: "sms",
      category: "promotional",
      defaultLocale: "en",
      variants: { en: { text: "Deal {{ code }}" } },
      variables: [{ name: "code", sample: "BEANS" }],
    });
    expect(sms).toMatchObject({
      canSave: true,
      text: "Acme Coffee: Deal BEANS. Reply STOP to opt out.",
      sms: { encoding: "GSM-7", segments: 1 },
    });
    expect(sms.problems.map((p) => p.code).sort()).toEqual(["sms_brand_missing", "sms_opt_out_missing"]);
  });
});
