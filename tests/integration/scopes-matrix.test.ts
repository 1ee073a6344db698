import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { getOpenApiDocument } from "@/server/api/openapi";
import { appRouter, createCaller } from "@/server/api/root";
import type { RequestAuth, TrpcContext } from "@/server/api/trpc";
import { systemClock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { recordConsent } from "@/server/services/consent/record-consent";
import { upsertContact } from "@/server/services/contacts";
import { API_KEY_SCOPES, hasRole, hasScope, ROLES, type ApiKeyScope, type Role } from "@/server/services/context";
import { createImport } from "@/server/services/imports/create-import";
import { createSegment } from "@/server/services/segments";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createApiKeyFor, createMember, createWorkspace, systemContext } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { createTestDb } from "@/tests/helpers/db";
import { rest } from "@/tests/helpers/http";
import { getOutbox } from "@/server/wiring";

/**
 * Every tRPC procedure, every REST route and every authenticated route handler, against every API
 * key scope and every member role: allowed (any answer but 401/403) or refused, and no personal
 * data of the seeded contact in any answer a caller may not read it through.
 *
 * A procedure or REST route without a row here fails the first test: say who may call it.
 */

// Route handlers read the session through next/headers and Auth.js; drive them without a server.
const session = vi.hoisted(() => ({ userId: null as string | null, workspaceId: null as string | null }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => (session.workspaceId ? { value: session.workspaceId } : undefined) }),
  headers: async () => new Headers(),
}));
vi.mock("@/server/auth", () => ({ auth: async () => (session.userId ? { user: { id: session.userId } } : null) }));

// ─── Who may call what ──────────────────────────────────────────────────────

/**
 * key: "none" = API keys are refused (401: admin UI only); "any" = any valid key; a scope or a
 * list = a key with any one of them; `{ all }` = a key with every one of them (`admin` covers all).
 * role: the lowest member role allowed; "none" = sessions refused; "public" = anyone.
 */
type KeyRule = "none" | "any" | ApiKeyScope | readonly ApiKeyScope[] | { all: readonly ApiKeyScope[] };
type RoleRule = Role | "none" | "public";

interface Seed {
  contactId: string;
  messageId: string;
  importId: string;
  consentImportId: string;
  segmentId: string;
  email: string;
}

interface Rule {
  key: KeyRule;
  role: RoleRule;
  /** The input to call with; default a value no schema accepts (42), so an allowed call ends in 400. */
  input?: (seed: Seed) => unknown;
}

const member = (role: Role, input?: Rule["input"]): Rule => ({ key: "none", role, input });
const either = (key: KeyRule, role: Role, input?: Rule["input"]): Rule => ({ key, role, input });

const byContact = (seed: Seed) => ({ id: seed.contactId });
const byMessage = (seed: Seed) => ({ id: seed.messageId });
const bySegment = (seed: Seed) => ({ id: seed.segmentId });
/** A segment filter the seeded contact matches, so a preview could leak them. */
const WITH_EMAIL = { all: [{ field: "email", op: "exists" }] };
const empty = () => ({});
const nothing = () => undefined;

/** A template draft that prints every personal field of the contact it is rendered for. */
const PREVIEW = {
  channel: "email",
  category: "promotional",
  defaultLocale: "en",
  variants: {
    en: {
      subject: "For {{ contact.first_name }} {{ contact.last_name }}",
      text: "{{ contact.email }} / {{ contact.phone }}",
    },
  },
};

const PROCEDURES: Record<string, Rule> = {
  "account.updateProfile": member("viewer"),
  "account.changePassword": member("viewer"),
  "notifications.list": member("viewer", empty),
  "notifications.unreadCount": member("viewer", nothing),
  "notifications.markRead": member("viewer"),
  "notifications.markAllRead": member("viewer", nothing),
  "notifications.preferences": member("viewer", nothing),
  "notifications.updatePreferences": member("viewer"),

  "apiKeys.list": either("admin", "admin", nothing),
  "apiKeys.get": either("admin", "admin"),
  "apiKeys.create": either("admin", "admin"),
  "apiKeys.revoke": either("admin", "admin"),

  "audit.list": member("admin", empty),
  "audit.verify": member("admin", nothing),

  "contacts.upsert": either("contacts:write", "marketer", (s) => ({ email: s.email })),
  "contacts.get": either("contacts:read", "viewer", byContact),
  "contacts.find": either("contacts:read", "viewer", (s) => ({ email: s.email })),
  "contacts.recordConsent": either("consent:write", "marketer"),
  "contacts.consent": either("contacts:read", "viewer", byContact),
  "contacts.list": member("viewer", empty),
  "contacts.tags": member("viewer", nothing),
  "contacts.detail": member("viewer", byContact),
  "contacts.history": member("viewer", byContact),
  "contacts.reveal": member("viewer", byContact),
  "contacts.create": member("marketer"),
  "contacts.update": member("marketer"),
  "contacts.setConsent": member("marketer"),
  "contacts.erase": either("contacts:erase", "admin"),
  "contacts.export": either("contacts:read", "marketer", byContact),

  "imports.create": either("contacts:write", "marketer"),
  "imports.get": either("contacts:write", "marketer", (s) => ({ id: s.importId })),
  "imports.list": either("contacts:write", "marketer", nothing),
  "imports.preview": either("contacts:write", "marketer"),
  "imports.resume": either("contacts:write", "marketer", (s) => ({ id: s.importId })),

  "forms.list": member("marketer", nothing),
  "forms.get": member("marketer"),
  "forms.create": member("admin"),
  "forms.update": member("admin"),
  "forms.archive": member("admin"),
  "forms.resendConfirmation": member("marketer"),

  "members.list": member("viewer", nothing),
  "members.invite": member("admin"),
  "members.revokeInvitation": member("admin"),
  "members.changeRole": member("admin"),
  "members.remove": member("admin"),
  "members.previewInvitation": { key: "any", role: "public" },
  "members.acceptInvitation": { key: "any", role: "public" },

  "messagingSettings.get": member("viewer", nothing),
  "messagingSettings.update": member("admin"),
  "messagingSettings.smsPricing": member("viewer", nothing),
  "messagingSettings.updateSmsPricing": member("admin"),
  "retentionSettings.get": member("viewer", nothing),
  "retentionSettings.update": member("admin"),
  "trackingSettings.get": member("viewer", nothing),
  "trackingSettings.update": member("admin"),

  "messageHistory.get": either(["contacts:read", "messages:send"], "viewer", byMessage),
  "messageHistory.list": either(["contacts:read", "messages:send"], "viewer", (s) => ({ contactId: s.contactId })),
  "messageHistory.deadLetters": either(["contacts:read", "messages:send"], "viewer", empty),
  "messageHistory.browse": member("viewer", empty),
  "messageHistory.detail": member("viewer", byMessage),
  "messageHistory.outbox": member("viewer", empty),

  "messages.send": either("messages:send", "marketer"),
  "messages.sendBatch": either("messages:send", "marketer"),
  "messages.batchStatus": either("messages:send", "marketer", () => ({ id: randomUUID() })),
  "messages.retry": either("messages:send", "marketer"),
  "messages.resend": either("messages:send", "marketer"),

  "analytics.delivery": either("campaigns:read", "viewer", empty),
  "analytics.consentTrend": either("campaigns:read", "viewer", empty),
  "analytics.bestSendHour": member("viewer", empty),
  "analytics.topForms": member("viewer", empty),

  "campaigns.list": either("campaigns:read", "viewer", nothing),
  "campaigns.get": either("campaigns:read", "viewer"),
  "campaigns.create": either("campaigns:write", "marketer"),
  "campaigns.update": either("campaigns:write", "marketer"),
  "campaigns.archive": either("campaigns:write", "marketer"),
  "campaigns.duplicate": either("campaigns:write", "marketer"),
  "campaigns.dryRun": either("campaigns:write", "marketer"),
  "campaigns.testSend": either("campaigns:write", "marketer"),
  "campaigns.schedule": either("campaigns:write", "marketer"),
  "campaigns.pause": either("campaigns:write", "marketer"),
  "campaigns.resume": either("campaigns:write", "marketer"),
  "campaigns.cancel": either("campaigns:write", "marketer"),
  "campaigns.sendToRest": either("campaigns:write", "marketer"),
  "campaigns.sendToCapSkipped": either("campaigns:write", "marketer"),
  "campaigns.updateOptions": either("campaigns:write", "marketer"),
  "campaigns.runs": either("campaigns:read", "viewer"),
  "campaigns.recipients": either("campaigns:read", "viewer"),
  "campaigns.progress": either("campaigns:read", "viewer"),
  "campaigns.attachments": either("campaigns:read", "viewer"),
  "campaigns.removeAttachment": either("campaigns:write", "marketer"),
  "campaigns.engagement": either("campaigns:read", "viewer"),
  "campaigns.report": either("campaigns:read", "viewer"),
  "campaigns.compare": either("campaigns:read", "viewer"),
  "campaigns.abTest": either("campaigns:read", "viewer"),
  "campaigns.setAbTest": either("campaigns:write", "marketer"),
  "campaigns.chooseVariant": either("campaigns:write", "marketer"),

  "segments.list": either("campaigns:read", "viewer", nothing),
  "segments.get": either("campaigns:read", "viewer", bySegment),
  "segments.create": either("campaigns:write", "marketer"),
  "segments.update": either("campaigns:write", "marketer"),
  "segments.archive": either("campaigns:write", "marketer"),
  "segments.count": either("campaigns:read", "viewer", bySegment),
  "segments.contacts": either("campaigns:read", "viewer", bySegment),
  "segments.attributeKeys": either("campaigns:read", "viewer", nothing),
  "reports.listSchedules": either("campaigns:read", "viewer", nothing),
  "reports.previewSchedule": either("campaigns:read", "viewer", () => ({
    rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0",
    timezone: "UTC",
  })),
  "reports.createSchedule": either("campaigns:write", "marketer"),
  "reports.updateSchedule": either("campaigns:write", "marketer"),
  "reports.deleteSchedule": either("campaigns:write", "marketer"),
  "segments.countFilter": either("campaigns:read", "viewer", () => ({ filter: WITH_EMAIL })),
  "segments.previewFilter": either("campaigns:read", "viewer", () => ({ filter: WITH_EMAIL })),

  "templates.list": either("messages:send", "viewer", empty),
  "templates.get": either("messages:send", "viewer"),
  "templates.create": either("campaigns:write", "marketer"),
  "templates.update": either("campaigns:write", "marketer"),
  "templates.restore": either("campaigns:write", "marketer"),
  "templates.archive": either("campaigns:write", "marketer"),
  "templates.preview": either("messages:send", "viewer", () => PREVIEW),

  "suppressions.list": either("contacts:read", "viewer", empty),
  "suppressions.report": either("contacts:read", "viewer", empty),
  "suppressions.add": either("contacts:write", "marketer"),
  "suppressions.remove": either("contacts:write", "marketer"),

  "topics.list": either("contacts:read", "viewer", nothing),
  "topics.create": either("admin", "admin"),
  "topics.update": either("admin", "admin"),

  "workspace.me": either("any", "viewer", nothing),
  "workspace.current": member("viewer", nothing),
  "workspace.get": member("viewer", nothing),
  "workspace.update": member("admin"),
  "workspace.profile": member("viewer", nothing),
  "workspace.updateProfile": member("admin"),
  "workspace.setLogo": member("admin"),
  "workspace.removeLogo": member("admin", nothing),
  "workspace.seedList": member("viewer", nothing),
  "workspace.updateSeedList": member("admin"),
  /** Any signed-in user becomes the new workspace's owner; a key needs admin (its workspace's owners own it). */
  "workspace.create": either("admin", "viewer"),
};

/** Input fields that widen what a call reaches, checked by the service on top of the tier. */
const WIDENED: (Rule & { path: string; label: string })[] = [
  {
    path: "templates.preview",
    label: "with contactId",
    key: { all: ["messages:send", "contacts:read"] },
    role: "viewer",
    input: (s) => ({ ...PREVIEW, contactId: s.contactId }),
  },
  {
    path: "imports.create",
    label: "with a consent column",
    key: { all: ["contacts:write", "consent:write"] },
    role: "marketer",
    input: () => ({
      filename: "list.csv",
      mapping: { email: "email", consentStatus: "consent", consentAt: "at" },
      topicKeys: ["newsletter"],
      channels: ["email"],
    }),
  },
  {
    path: "messageHistory.list",
    label: "filtered by recipient address",
    key: { all: ["contacts:read"] },
    role: "viewer",
    input: (s) => ({ recipient: s.email }),
  },
];

/** Route handlers outside tRPC that authorise a key or a session themselves (`authorizeRoute`). */
type Handler = (req: Request, extra: { params: Promise<Record<string, string>> }) => Promise<Response>;
interface RouteRule extends Rule {
  method: string;
  load: () => Promise<unknown>;
  url: (s: Seed) => string;
  params?: (s: Seed) => Record<string, string>;
  body?: string;
}
/** The recipients export's masking is checked in campaign-recipients-csv.test.ts; here, who may call it. */
const UNKNOWN_CAMPAIGN = randomUUID();
const ROUTE_HANDLERS: Record<string, RouteRule> = {
  "imports/route.ts": {
    method: "POST",
    key: "contacts:write",
    role: "marketer",
    load: () => import("@/app/api/imports/route"),
    url: () => `/api/imports?importId=${randomUUID()}`,
    body: "email\n",
  },
  "imports/[id]/rejections/route.ts": {
    method: "GET",
    key: "contacts:write",
    role: "marketer",
    load: () => import("@/app/api/imports/[id]/rejections/route"),
    url: (s) => `/api/imports/${s.importId}/rejections`,
    params: (s) => ({ id: s.importId }),
  },
  "contacts/export/route.ts": {
    method: "GET",
    key: "admin",
    role: "admin",
    load: () => import("@/app/api/contacts/export/route"),
    url: () => "/api/contacts/export",
  },
  "contacts/[id]/export.json/route.ts": {
    method: "GET",
    key: "contacts:read",
    role: "marketer",
    load: () => import("@/app/api/contacts/[id]/export.json/route"),
    url: (s) => `/api/contacts/${s.contactId}/export.json`,
    params: (s) => ({ id: s.contactId }),
  },
  "contacts/[id]/export.html/route.ts": {
    method: "GET",
    key: "contacts:read",
    role: "marketer",
    load: () => import("@/app/api/contacts/[id]/export.html/route"),
    url: (s) => `/api/contacts/${s.contactId}/export.html`,
    params: (s) => ({ id: s.contactId }),
  },
  "campaigns/[id]/recipients.csv/route.ts": {
    method: "GET",
    key: "campaigns:read",
    role: "viewer",
    load: () => import("@/app/api/campaigns/[id]/recipients.csv/route"),
    url: () => `/api/campaigns/${UNKNOWN_CAMPAIGN}/recipients.csv`,
    params: () => ({ id: UNKNOWN_CAMPAIGN }),
  },
  "campaigns/[id]/report.csv/route.ts": {
    method: "GET",
    key: "campaigns:read",
    role: "viewer",
    load: () => import("@/app/api/campaigns/[id]/report.csv/route"),
    url: () => `/api/campaigns/${UNKNOWN_CAMPAIGN}/report.csv?section=funnel`,
    params: () => ({ id: UNKNOWN_CAMPAIGN }),
  },
  "campaigns/[id]/report.pdf/route.ts": {
    method: "GET",
    key: "campaigns:read",
    role: "viewer",
    load: () => import("@/app/api/campaigns/[id]/report.pdf/route"),
    url: () => `/api/campaigns/${UNKNOWN_CAMPAIGN}/report.pdf`,
    params: () => ({ id: UNKNOWN_CAMPAIGN }),
  },
  "analytics/report.pdf/route.ts": {
    method: "GET",
    key: "campaigns:read",
    role: "viewer",
    load: () => import("@/app/api/analytics/report.pdf/route"),
    url: () => "/api/analytics/report.pdf",
  },
  "campaigns/compare.csv/route.ts": {
    method: "GET",
    key: "campaigns:read",
    role: "viewer",
    load: () => import("@/app/api/campaigns/compare.csv/route"),
    url: () => `/api/campaigns/compare.csv?ids=${UNKNOWN_CAMPAIGN},${randomUUID()}`,
  },
  "analytics/[section]/route.ts": {
    method: "GET",
    key: "campaigns:read",
    role: "viewer",
    load: () => import("@/app/api/analytics/[section]/route"),
    url: () => "/api/analytics/delivery.csv",
    params: () => ({ section: "delivery.csv" }),
  },
  "suppressions/report.csv/route.ts": {
    method: "GET",
    key: "contacts:read",
    role: "viewer",
    load: () => import("@/app/api/suppressions/report.csv/route"),
    url: () => "/api/suppressions/report.csv",
  },
  "campaigns/[id]/attachments/route.ts": {
    method: "POST",
    key: "campaigns:write",
    role: "marketer",
    load: () => import("@/app/api/campaigns/[id]/attachments/route"),
    url: () => `/api/campaigns/${UNKNOWN_CAMPAIGN}/attachments`,
    params: () => ({ id: UNKNOWN_CAMPAIGN }),
    body: "not multipart",
  },
};
/** Route handlers with their own authentication (signatures, public pages, Auth.js, tRPC, REST). */
const OWN_AUTH_ROUTES = [
  "auth/[...nextauth]/route.ts",
  "health/route.ts",
  "inngest/route.ts",
  "trpc/[trpc]/route.ts",
  "v1/[...path]/route.ts",
  "webhooks/[provider]/route.ts",
  "webhooks/[provider]/inbound/route.ts",
  "webhooks/[provider]/status/route.ts",
];

function keyAllows(rule: KeyRule, scopes: readonly ApiKeyScope[]): boolean {
  if (rule === "none") return false;
  if (rule === "any") return true;
  if (typeof rule === "string") return hasScope(scopes, rule);
  if ("all" in rule) return rule.all.every((s) => hasScope(scopes, s));
  return rule.some((s) => hasScope(scopes, s));
}

function roleAllows(rule: RoleRule, role: Role): boolean {
  if (rule === "public") return true;
  if (rule === "none") return false;
  return hasRole(role, rule);
}

// ─── Seed: one database for the whole file ──────────────────────────────────

const PERSON = {
  email: "quintessa.vandermeer@example.org",
  phone: "+14155550177",
  firstName: "Quintessa",
  lastName: "Vandermeer",
};
/** The unsubscribe token in the seeded message's List-Unsubscribe header (a capability, like PII). */
const UNSUBSCRIBE_TOKEN = "u1.seededUnsubscribeToken";
const SECRETS = [PERSON.email, PERSON.phone, PERSON.firstName, PERSON.lastName, UNSUBSCRIBE_TOKEN];

/** Single-scope keys, plus the pairs the widened inputs need. */
const KEY_SCOPE_SETS: ApiKeyScope[][] = [
  ...API_KEY_SCOPES.map((scope) => [scope]),
  ["messages:send", "contacts:read"],
  ["contacts:write", "consent:write"],
  ["contacts:write", "contacts:read"],
  ["campaigns:read", "contacts:read"],
];

let handle: DbHandle;
let seed: Seed;
let workspaceId: string;
const keys: { scopes: ApiKeyScope[]; secret: string; auth: RequestAuth }[] = [];
const members: { role: Role; userId: string; auth: RequestAuth }[] = [];

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  const system = systemContext(handle.db, ws.id);
  const { contact } = await upsertContact({ ctx: system, input: PERSON });
  await recordConsent({
    ctx: system,
    input: {
      id: contact.id,
      channel: "email",
      topic: "newsletter",
      status: "opted_in",
      source: "form",
      evidence: {
        ip: "198.51.100.23",
        userAgent: `Mozilla/5.0 (${PERSON.firstName}'s laptop)`,
        note: `met ${PERSON.firstName} ${PERSON.lastName} at the booth`,
      },
    },
  });
  const message = await createMessage(handle.db, {
    workspaceId: ws.id,
    contactId: contact.id,
    address: PERSON.email,
    subject: `Hello ${PERSON.firstName}`,
    text: `Hi ${PERSON.firstName} ${PERSON.lastName}, this went to ${PERSON.email}`,
    headers: {
      "List-Unsubscribe": `<http://localhost:3000/u/${UNSUBSCRIBE_TOKEN}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
    transport: "log",
  });
  const plainImport = await createImport({
    ctx: system,
    input: { filename: "plain.csv", mapping: { email: "email" } },
  });
  const consentImport = await createImport({
    ctx: system,
    input: {
      filename: "consent.csv",
      mapping: { email: "email", consentStatus: "consent", consentAt: "at" },
      topicKeys: ["newsletter"],
      channels: ["email"],
    },
  });
  const segment = await createSegment({ ctx: system, input: { name: "Has an email", filter: WITH_EMAIL } });
  seed = {
    segmentId: segment.id,
    contactId: contact.id,
    messageId: message.id,
    importId: plainImport.id,
    consentImportId: consentImport.id,
    email: PERSON.email,
  };

  for (const scopes of KEY_SCOPE_SETS) {
    const { secret, key } = await createApiKeyFor(handle.db, ws.id, scopes, scopes.join("+"));
    keys.push({ scopes, secret, auth: { kind: "apiKey", key: { apiKeyId: key.id, workspaceId: ws.id, scopes } } });
  }
  for (const role of ROLES) {
    const { user } = await createMember(handle.db, ws.id, role);
    const membership = await resolveSessionMembership(handle.db, user.id, ws.id);
    members.push({ role, userId: user.id, auth: { kind: "session", membership: membership! } });
  }
});

afterAll(async () => {
  await closeDb();
});

// ─── Calling ────────────────────────────────────────────────────────────────

type Outcome = { ok: true; answer: unknown } | { ok: false; code: string; message: string };

async function callProcedure(auth: RequestAuth, procedurePath: string, input: unknown): Promise<Outcome> {
  const ctx: TrpcContext = {
    db: handle.db,
    now: systemClock,
    outbox: getOutbox(),
    requestId: "scopes-matrix",
    auth,
    headers: new Headers(),
  };
  let target: unknown = createCaller(ctx);
  for (const part of procedurePath.split(".")) target = (target as Record<string, unknown>)[part];
  try {
    return { ok: true, answer: await (target as (input: unknown) => Promise<unknown>)(input) };
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return { ok: false, code: error.code, message: error.message };
  }
}

const refusedCodes = new Set(["FORBIDDEN", "UNAUTHORIZED"]);
const isRefused = (o: Outcome) => !o.ok && refusedCodes.has(o.code);

function leaked(answer: unknown): string[] {
  const text = JSON.stringify(answer) ?? "";
  return SECRETS.filter((secret) => text.includes(secret));
}

/** Whether this caller may read the seeded contact's personal data in full through any call. */
const keyReadsPii = (scopes: readonly ApiKeyScope[]) => hasScope(scopes, "contacts:read");
const roleReadsPii = (role: Role) => hasRole(role, "marketer");
/** The one call that shows a viewer personal data: an explicit, audited reveal. */
const REVEAL = "contacts.reveal";

interface Check {
  label: string;
  path: string;
  rule: Rule;
}

async function checkProcedure({ label, path: procedurePath, rule }: Check): Promise<string[]> {
  const problems: string[] = [];
  const input = rule.input ? rule.input(seed) : 42;
  for (const key of keys) {
    const who = `${label} with a key [${key.scopes.join(", ")}]`;
    const outcome = await callProcedure(key.auth, procedurePath, input);
    const allowed = rule.role === "public" || keyAllows(rule.key, key.scopes);
    if (allowed && isRefused(outcome))
      problems.push(`${who}: refused (${!outcome.ok && outcome.code}) but should be allowed`);
    if (!allowed) {
      const expected = rule.key === "none" ? "UNAUTHORIZED" : "FORBIDDEN";
      if (outcome.ok || outcome.code !== expected)
        problems.push(`${who}: expected ${expected}, got ${outcome.ok ? "an answer" : outcome.code}`);
      else if (expected === "FORBIDDEN" && !/scope/.test(outcome.message))
        problems.push(`${who}: refusal does not name the missing scope`);
    }
    if ((!allowed || !keyReadsPii(key.scopes)) && leaked(outcome).length)
      problems.push(`${who}: answer holds ${leaked(outcome).join(", ")}`);
  }
  for (const m of members) {
    const who = `${label} as ${m.role}`;
    const outcome = await callProcedure(m.auth, procedurePath, input);
    const allowed = roleAllows(rule.role, m.role);
    if (allowed && isRefused(outcome))
      problems.push(`${who}: refused (${!outcome.ok && outcome.code}) but should be allowed`);
    if (!allowed) {
      const expected = rule.role === "none" ? "UNAUTHORIZED" : "FORBIDDEN";
      if (outcome.ok || outcome.code !== expected)
        problems.push(`${who}: expected ${expected}, got ${outcome.ok ? "an answer" : outcome.code}`);
    }
    const mayRead = roleReadsPii(m.role) || (m.role === "viewer" && procedurePath === REVEAL && allowed);
    if ((!allowed || !mayRead) && leaked(outcome).length)
      problems.push(`${who}: answer holds ${leaked(outcome).join(", ")}`);
  }
  return problems;
}

// ─── Tests ──────────────────────────────────────────────────────────────────

/** Flat at run time: "router.procedure" → procedure (the type describes the nested record). */
const procedures = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { meta?: { openapi?: { method: string; path: string } } } }
>;
const procedurePaths = Object.keys(procedures).sort();

describe("scope and role matrix: tRPC procedures", () => {
  it("has a row for every procedure of the app router (and no stale rows)", () => {
    expect(
      procedurePaths.filter((p) => !(p in PROCEDURES)),
      "procedures without a row",
    ).toEqual([]);
    expect(
      Object.keys(PROCEDURES).filter((p) => !procedurePaths.includes(p)),
      "rows without a procedure",
    ).toEqual([]);
    for (const w of WIDENED) expect(procedurePaths).toContain(w.path);
  });

  it.each(procedurePaths.filter((p) => p in PROCEDURES))("%s", async (procedurePath) => {
    expect(
      await checkProcedure({ label: procedurePath, path: procedurePath, rule: PROCEDURES[procedurePath]! }),
    ).toEqual([]);
  });

  it.each(WIDENED.map((w) => [`${w.path} ${w.label}`, w] as const))("%s", async (label, w) => {
    expect(await checkProcedure({ label, path: w.path, rule: w })).toEqual([]);
  });
});

// ─── REST ───────────────────────────────────────────────────────────────────

interface RestRoute {
  method: string;
  path: string;
  procedure: string;
}

function restRoutes(): RestRoute[] {
  const byRoute = new Map<string, string>();
  for (const [name, procedure] of Object.entries(procedures)) {
    const openapi = procedure._def.meta?.openapi;
    if (openapi) byRoute.set(`${openapi.method.toUpperCase()} ${openapi.path}`, name);
  }
  const routes: RestRoute[] = [];
  for (const [route, item] of Object.entries(getOpenApiDocument().paths ?? {})) {
    for (const method of ["get", "post", "put", "patch", "delete"] as const) {
      if (!item?.[method]) continue;
      const procedure = byRoute.get(`${method.toUpperCase()} ${route}`);
      routes.push({ method: method.toUpperCase(), path: route, procedure: procedure ?? "" });
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/** Reads use the seeded records (so an answer could leak them); writes use unknown ids and empty bodies, so nothing changes. */
function restRequest(route: RestRoute): { url: string; body?: unknown } {
  const id = (() => {
    if (route.method !== "GET") return randomUUID();
    if (route.path.startsWith("/contacts/")) return seed.contactId;
    if (route.path.startsWith("/imports/")) return seed.importId;
    if (route.path === "/messages/{id}") return seed.messageId;
    if (route.path.startsWith("/segments/")) return seed.segmentId;
    return randomUUID();
  })();
  let url = route.path.replace("{id}", id);
  if (route.method === "GET" && route.path === "/contacts") url += `?email=${encodeURIComponent(seed.email)}`;
  if (route.method === "GET" && route.path === "/messages") url += `?contactId=${seed.contactId}`;
  // The upsert of an existing address changes nothing, and its answer is what must be masked.
  if (route.method === "POST" && route.path === "/contacts") return { url, body: { email: seed.email } };
  return { url, body: route.method === "GET" || route.method === "DELETE" ? undefined : {} };
}

async function checkRest(label: string, method: string, url: string, body: unknown, rule: Rule): Promise<string[]> {
  const problems: string[] = [];
  for (const key of keys) {
    const who = `${label} with a key [${key.scopes.join(", ")}]`;
    const res = await rest(method, url, { key: key.secret, body });
    const allowed = keyAllows(rule.key, key.scopes);
    if (res.status === 401) problems.push(`${who}: 401 for a valid key`);
    if (allowed && res.status === 403) problems.push(`${who}: 403 but should be allowed`);
    if (!allowed && res.status !== 403) problems.push(`${who}: expected 403, got ${res.status}`);
    if (!allowed && res.status === 403 && !/scope/.test(String(res.body?.message)))
      problems.push(`${who}: refusal does not name the scope`);
    if ((!allowed || !keyReadsPii(key.scopes)) && leaked(res.body).length)
      problems.push(`${who}: answer holds ${leaked(res.body).join(", ")}`);
  }
  return problems;
}

describe("scope matrix: REST routes (/api/v1, from the OpenAPI document)", () => {
  const routes = restRoutes();

  it("every documented route is served by a procedure with a row", () => {
    expect(routes.length).toBeGreaterThan(10);
    expect(
      routes.filter((r) => !r.procedure || !(r.procedure in PROCEDURES)).map((r) => `${r.method} ${r.path}`),
    ).toEqual([]);
  });

  it.each(routes.filter((r) => r.procedure in PROCEDURES).map((r) => [`${r.method} ${r.path}`, r] as const))(
    "%s",
    async (label, route) => {
      const rule = PROCEDURES[route.procedure]!;
      expect(rule.key, `${label} is served over REST, so keys must be able to call it`).not.toBe("none");
      const { url, body } = restRequest(route);
      expect(await checkRest(label, route.method, url, body, rule)).toEqual([]);
    },
  );

  it("POST /imports with a consent column needs consent:write as well", async () => {
    const body = {
      filename: "list.csv",
      mapping: { email: "email", consentStatus: "consent", consentAt: "at" },
      topicKeys: ["newsletter"],
      channels: ["email"],
    };
    expect(
      await checkRest("POST /imports (consent column)", "POST", "/imports", body, {
        key: { all: ["contacts:write", "consent:write"] },
        role: "marketer",
      }),
    ).toEqual([]);
  });

  it("GET /messages?recipient= (a lookup by address) needs contacts:read", async () => {
    const url = `/messages?recipient=${encodeURIComponent(seed.email)}`;
    expect(
      await checkRest("GET /messages?recipient", "GET", url, undefined, { key: "contacts:read", role: "viewer" }),
    ).toEqual([]);
  });

  it("the OpenAPI document answers every valid key, whatever its scopes", async () => {
    for (const key of keys) expect((await rest("GET", "/openapi.json", { key: key.secret })).status).toBe(200);
  });
});

// ─── Route handlers (streamed uploads and downloads) ────────────────────────

const API_DIR = path.join(process.cwd(), "app/api");

function routeFiles(dir = API_DIR): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [path.relative(API_DIR, full).split(path.sep).join("/")] : [];
  });
}

async function callRouteHandler(rule: RouteRule, as: { key?: string; userId?: string }) {
  const handler = ((await rule.load()) as Record<string, Handler>)[rule.method]!;
  const url = `http://localhost:3000${rule.url(seed)}`;
  const params = rule.params?.(seed) ?? {};
  session.userId = as.userId ?? null;
  session.workspaceId = as.userId ? workspaceId : null;
  try {
    const headers: Record<string, string> = as.key
      ? { authorization: `Bearer ${as.key}` }
      : { "sec-fetch-site": "same-origin" };
    const res = await handler(new Request(url, { method: rule.method, headers, body: rule.body }), {
      params: Promise.resolve(params),
    });
    return { status: res.status, text: await res.text() };
  } finally {
    session.userId = null;
    session.workspaceId = null;
  }
}

describe("scope and role matrix: route handlers under app/api", () => {
  it("every route handler is in the matrix or authenticates on its own", () => {
    const files = routeFiles();
    expect(files.filter((f) => !(f in ROUTE_HANDLERS) && !OWN_AUTH_ROUTES.includes(f))).toEqual([]);
  });

  it.each(Object.keys(ROUTE_HANDLERS))("%s", async (file) => {
    const rule = ROUTE_HANDLERS[file]!;
    const problems: string[] = [];
    for (const key of keys) {
      const { status, text } = await callRouteHandler(rule, { key: key.secret });
      const allowed = keyAllows(rule.key, key.scopes);
      const who = `${file} with a key [${key.scopes.join(", ")}]`;
      if (allowed === (status === 403) || status === 401)
        problems.push(`${who}: ${status}, expected ${allowed ? "allowed" : "403"}`);
      if ((!allowed || !keyReadsPii(key.scopes)) && leaked(text).length)
        problems.push(`${who}: answer holds ${leaked(text).join(", ")}`);
    }
    for (const m of members) {
      const { status, text } = await callRouteHandler(rule, { userId: m.userId });
      const allowed = roleAllows(rule.role, m.role);
      if (allowed === (status === 403) || status === 401)
        problems.push(`${file} as ${m.role}: ${status}, expected ${allowed ? "allowed" : "403"}`);
      if ((!allowed || !roleReadsPii(m.role)) && leaked(text).length)
        problems.push(`${file} as ${m.role}: answer holds ${leaked(text).join(", ")}`);
    }
    expect(problems).toEqual([]);
  });

  it("running an import with a consent column needs consent:write (or a marketer) too", async () => {
    const file = "imports/route.ts";
    const rule = {
      ...ROUTE_HANDLERS[file]!,
      url: () => `/api/imports?importId=${seed.consentImportId}`,
      body: "email,consent,at\n",
    };
    const problems: string[] = [];
    for (const key of keys) {
      const { status } = await callRouteHandler(rule, { key: key.secret });
      const allowed = keyAllows({ all: ["contacts:write", "consent:write"] }, key.scopes);
      if (allowed === (status === 403))
        problems.push(`[${key.scopes.join(", ")}]: ${status}, expected ${allowed ? "allowed" : "403"}`);
    }
    for (const m of members) {
      const { status } = await callRouteHandler(rule, { userId: m.userId });
      const allowed = hasRole(m.role, "marketer");
      if (allowed === (status === 403)) problems.push(`${m.role}: ${status}, expected ${allowed ? "allowed" : "403"}`);
    }
    expect(problems).toEqual([]);
  });
});
