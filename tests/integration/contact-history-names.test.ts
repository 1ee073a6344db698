import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { forms, topics, users } from "@/db/schema";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { issueFormToken } from "@/server/lib/form-token";
import type { ServiceContext } from "@/server/services/context";
import { getContactHistory, upsertContact, type TContactHistory } from "@/server/services/contacts";
import { createForm } from "@/server/services/forms/create-form";
import { submitForm } from "@/server/services/forms/submit-form";
import { createImport } from "@/server/services/imports/create-import";
import { runImport } from "@/server/services/imports/run-import";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createApiKeyFor, createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { installRecordingTransports } from "@/tests/helpers/recording-transports";
import { getOutbox } from "@/server/wiring";

let handle: DbHandle;
let workspaceId: string;
let admin: ServiceContext;
let transport: ReturnType<typeof installRecordingTransports>;

/** Each timeline line as the page words it: who (and its link), for audit rows and consent events alike. */
function actors(history: TContactHistory) {
  return history.activity.map((entry) =>
    entry.kind === "audit"
      ? { kind: entry.action, actor: entry.actorLabel, href: entry.actorHref }
      : {
          kind: `consent.${entry.event.action}`,
          actor: entry.event.actorLabel,
          href: entry.event.actorHref,
          origin: entry.event.origin,
        },
  );
}

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  const member = await createMember(handle.db, ws.id, "admin");
  await handle.db.update(users).set({ name: "Ada Admin" }).where(eq(users.id, member.user.id));
  admin = member.ctx;
  transport = installRecordingTransports();
});
afterAll(async () => {
  transport.uninstall();
  await closeDb();
});

describe("a contact's activity names its actors", () => {
  it("a form by its name, linked to its builder; the key only once the form is gone", async () => {
    const [newsletter] = await handle.db
      .select()
      .from(topics)
      .where(and(eq(topics.workspaceId, workspaceId), eq(topics.key, "newsletter")));
    const form = await createForm({
      ctx: admin,
      input: {
        name: "Footer signup",
        definition: {
          title: "Get our news",
          fields: [
            { name: "email", required: true },
            { name: "firstName", required: false },
          ],
          topicIds: [newsletter!.id],
          consentText: "Yes, email me the newsletter. I can unsubscribe at any time.",
          doubleOptIn: false,
        },
      },
    });
    const now = new Date();
    const result = await submitForm({
      ctx: { db: handle.db, now: () => new Date(), outbox: getOutbox() },
      input: {
        key: form.key,
        values: { email: "fan@example.com", firstName: "Fan" },
        meta: { ip: "198.51.100.7", ipSource: "socket", userAgent: "Mozilla/5.0 (test)" },
        csrf: issueFormToken(form.key, now),
      },
    });
    expect(result.status).toBe("submitted");
    const { contact } = await upsertContact({ ctx: admin, input: { email: "fan@example.com", lastName: "Fanning" } });

    // The contact row was written by the form (system actor `form:<key>`); the opt-in by the
    // person, through the form (its evidence names the form's version).
    const history = await getContactHistory({ ctx: admin, input: { id: contact.id } });
    const byForm = { actor: "Form “Footer signup”", href: `/forms/${form.id}` };
    expect(actors(history)).toEqual([
      { kind: "contact.updated", actor: "Ada Admin", href: null },
      { kind: "consent.opted_in", actor: null, href: null, origin: { label: byForm.actor, href: byForm.href } },
      { kind: "contact.updated", ...byForm },
      { kind: "contact.created", ...byForm },
    ]);
    expect(JSON.stringify(actors(history))).not.toContain(form.key);

    // A form deleted since: its key, with nothing to link to.
    await handle.db.delete(forms).where(eq(forms.id, form.id));
    const after = await getContactHistory({ ctx: admin, input: { id: contact.id } });
    expect(actors(after).slice(1)).toEqual([
      { kind: "consent.opted_in", actor: null, href: null, origin: null },
      { kind: "contact.updated", actor: `Form “${form.key}”`, href: null },
      { kind: "contact.created", actor: `Form “${form.key}”`, href: null },
    ]);
  });

  it("an API key by its name", async () => {
    const { key } = await createApiKeyFor(handle.db, workspaceId, ["contacts:write"], "CRM sync");
    const { contact } = await upsertContact({
      ctx: { ...admin, actor: { type: "apiKey", apiKeyId: key.id, scopes: ["contacts:write"] } },
      input: { email: "api@example.com" },
    });
    const history = await getContactHistory({ ctx: admin, input: { id: contact.id } });
    expect(actors(history)).toEqual([{ kind: "contact.created", actor: "API key “CRM sync”", href: null }]);
  });

  it("an import by its file name, linked to the imports page, with the member who ran it", async () => {
    const created = await createImport({
      ctx: admin,
      input: {
        filename: "spring-fair.csv",
        mapping: { email: "Email", consentStatus: "Consent", consentAt: "At" },
        topicKeys: ["newsletter"],
        channels: ["email"],
      },
    });
    async function* source() {
      yield Buffer.from("Email,Consent,At\nvisitor@example.com,yes,2026-04-01T10:00:00Z\n");
    }
    await runImport({ ctx: admin, input: { importId: created.id, source: source() } });
    const { contact } = await upsertContact({ ctx: admin, input: { email: "visitor@example.com" } });

    const history = await getContactHistory({ ctx: admin, input: { id: contact.id } });
    expect(actors(history)).toEqual([
      {
        kind: "consent.opted_in",
        actor: "Ada Admin",
        href: null,
        origin: { label: "Import of spring-fair.csv", href: "/contacts/import" },
      },
    ]);
  });
});
