import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { templates, type StoredDecision } from "@/db/schema";
import { createCaller } from "@/server/api/root";
import type { RequestAuth, TrpcContext } from "@/server/api/trpc";
import { systemClock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { upsertContact } from "@/server/services/contacts";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createApiKeyFor, createMember, createWorkspace } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { createTestDb } from "@/tests/helpers/db";
import { rest } from "@/tests/helpers/http";
import { getOutbox } from "@/server/wiring";

let handle: DbHandle;
let workspaceId: string;
let key: string;
let sendOnlyKey: string;
let consentOnlyKey: string;
let otherKey: string;
let owner: Awaited<ReturnType<typeof createMember>>;
let marketer: Awaited<ReturnType<typeof createMember>>;
let viewer: Awaited<ReturnType<typeof createMember>>;
let annId: string;
let bobId: string;
let otherContactId: string;
let otherMessageId: string;
const ids = {} as Record<
  "annEmailFailed" | "annEmailRetry" | "annSmsBlocked" | "annInbound" | "bobEmail" | "unknownInbound",
  string
>;
const campaignId = "7d3c1f0a-5a1e-4f4e-9a52-0c7b8f2f9c11";
const at = (minutes: number) => new Date(Date.UTC(2025, 4, 1, 9, 0) + minutes * 60_000);

async function callerFor(userId: string) {
  const membership = await resolveSessionMembership(handle.db, userId, workspaceId);
  const auth: RequestAuth = membership ? { kind: "session", membership } : { kind: "anonymous" };
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

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { defaultRegion: "US" });
  workspaceId = ws.id;
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  key = (await createApiKeyFor(handle.db, ws.id, ["contacts:read"])).secret;
  sendOnlyKey = (await createApiKeyFor(handle.db, ws.id, ["messages:send"])).secret;
  consentOnlyKey = (await createApiKeyFor(handle.db, ws.id, ["consent:write"])).secret;
  owner = await createMember(handle.db, ws.id, "owner");
  marketer = await createMember(handle.db, ws.id, "marketer");
  viewer = await createMember(handle.db, ws.id, "viewer");

  annId = (
    await upsertContact({
      ctx: owner.ctx,
      input: { email: "ann.lee@example.com", phone: "+1 415 555 2671", firstName: "Ann" },
    })
  ).contact.id;
  bobId = (await upsertContact({ ctx: owner.ctx, input: { email: "bob@example.org" } })).contact.id;
  const [consent] = await recordConsentChange({
    ctx: owner.ctx,
    input: {
      contactId: annId,
      channel: "email",
      topicKey: "newsletter",
      action: "opted_in",
      source: "form",
      evidence: { ip: "203.0.113.9", text: "Yes, send me the newsletter.", formVersion: "footer@v2" },
    },
  });
  const [template] = await handle.db
    .insert(templates)
    .values({
      workspaceId,
      key: "spring",
      name: "Spring newsletter",
      channel: "email",
      category: "promotional",
      currentVersion: 3,
    })
    .returning();
  const decision: StoredDecision = {
    outcome: "send",
    policyVersion: "2025-05-01",
    consent: { status: "opted_in", source: "form", eventId: consent!.eventId, occurredAt: at(-60).toISOString() },
    checks: ["contact: active", "suppression: none", "consent: opted_in (form)", "quiet hours: not applicable"],
    decidedAt: at(0).toISOString(),
  };

  ids.annEmailFailed = (
    await createMessage(handle.db, {
      workspaceId,
      contactId: annId,
      address: "Ann.Lee@Example.com",
      subject: "Spring is here",
      text: "Hi Ann, spring is here.",
      html: "<p>Hi Ann, <b>spring</b> is here.</p>",
      headers: {
        "List-Unsubscribe": "<http://localhost/u/abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      },
      status: "failed",
      reason: "provider_error",
      templateId: template!.id,
      templateVersion: 3,
      decision,
      consentEventId: consent!.eventId,
      campaignId,
      createdAt: at(0),
      events: [
        { status: "decided", source: "pipeline", at: at(0) },
        { status: "queued", source: "pipeline", at: at(0) },
        { status: "failed", source: "provider", at: at(1), detail: { code: "rate_limited", attempt: 3 } },
      ],
    })
  ).id;
  ids.annEmailRetry = (
    await createMessage(handle.db, {
      workspaceId,
      contactId: annId,
      address: "ann.lee@example.com",
      status: "delivered",
      parentMessageId: ids.annEmailFailed,
      relation: "retry",
      consentEventId: consent!.eventId,
      createdAt: at(5),
    })
  ).id;
  ids.annSmsBlocked = (
    await createMessage(handle.db, {
      workspaceId,
      contactId: annId,
      channel: "sms",
      address: "+14155552671",
      status: "blocked",
      reason: "no_consent",
      createdAt: at(10),
    })
  ).id;
  ids.annInbound = (
    await createMessage(handle.db, {
      workspaceId,
      contactId: annId,
      channel: "sms",
      direction: "inbound",
      address: "(415) 555-2671",
      text: "STOP",
      createdAt: at(20),
    })
  ).id;
  ids.bobEmail = (
    await createMessage(handle.db, {
      workspaceId,
      contactId: bobId,
      address: "bob@example.org",
      transport: "resend",
      providerMessageId: "re_123",
      createdAt: at(30),
    })
  ).id;
  ids.unknownInbound = (
    await createMessage(handle.db, {
      workspaceId,
      contactId: null,
      channel: "sms",
      direction: "inbound",
      address: "+12125550148",
      text: "HELP",
      createdAt: at(40),
    })
  ).id;

  const other = await createWorkspace(handle.db);
  await ensureDefaultTopics(handle.db, other.id, new Date());
  otherKey = (await createApiKeyFor(handle.db, other.id, ["admin"])).secret;
  const otherOwner = await createMember(handle.db, other.id, "owner");
  otherContactId = (await upsertContact({ ctx: otherOwner.ctx, input: { email: "elsewhere@example.com" } })).contact.id;
  otherMessageId = (
    await createMessage(handle.db, {
      workspaceId: other.id,
      contactId: otherContactId,
      address: "elsewhere@example.com",
      createdAt: at(50),
    })
  ).id;
});
afterAll(async () => {
  await closeDb();
});

describe("GET /api/v1/messages/{id}", () => {
  it("answers the contract fields with the timeline oldest first", async () => {
    const res = await rest("GET", `/messages/${ids.annEmailFailed}`, { key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ids.annEmailFailed,
      contactId: annId,
      channel: "email",
      topic: "newsletter",
      kind: "marketing",
      status: "failed",
      reason: "provider_error",
      templateVersion: 3,
      campaignId,
      transport: "log",
      policyVersion: "2025-05-01",
    });
    expect(res.body.events).toEqual([
      { status: "decided", at: at(0).toISOString(), source: "pipeline" },
      { status: "queued", at: at(0).toISOString(), source: "pipeline" },
      { status: "failed", at: at(1).toISOString(), source: "provider", detail: { code: "rate_limited", attempt: 3 } },
    ]);
  });

  it("has no reason when there is none, and a block reason when blocked", async () => {
    const sent = await rest("GET", `/messages/${ids.bobEmail}`, { key });
    expect(sent.body.status).toBe("sent");
    expect(sent.body).not.toHaveProperty("reason");
    const blocked = await rest("GET", `/messages/${ids.annSmsBlocked}`, { key });
    expect(blocked.body).toMatchObject({
      status: "blocked",
      reason: "no_consent",
      channel: "sms",
      topic: "promotions",
    });
  });

  it("never carries the address or the content", async () => {
    const res = await rest("GET", `/messages/${ids.annEmailFailed}`, { key });
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/ann\.lee|Ann\.Lee|Spring is here|spring<\/b>/);
  });

  it("answers 404 for another workspace's message and for an unknown id, 400 for a malformed id", async () => {
    expect((await rest("GET", `/messages/${otherMessageId}`, { key })).status).toBe(404);
    expect((await rest("GET", `/messages/${ids.annEmailFailed}`, { key: otherKey })).status).toBe(404);
    expect((await rest("GET", "/messages/2b1c0a52-0000-4000-8000-000000000000", { key })).status).toBe(404);
    const bad = await rest("GET", "/messages/not-a-uuid", { key });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("id");
  });

  it("answers 401 without a valid key, 403 for a key with neither contacts:read nor messages:send", async () => {
    expect((await rest("GET", `/messages/${ids.bobEmail}`)).status).toBe(401);
    expect((await rest("GET", `/messages/${ids.bobEmail}`, { key: "wrong" })).status).toBe(401);
    expect((await rest("GET", `/messages/${ids.bobEmail}`, { key: consentOnlyKey })).status).toBe(403);
    expect((await rest("GET", `/messages?contactId=${bobId}`, { key: consentOnlyKey })).status).toBe(403);
    // A key that sends may follow the status of what it sent.
    expect((await rest("GET", `/messages/${ids.bobEmail}`, { key: sendOnlyKey })).status).toBe(200);
  });
});

describe("GET /api/v1/messages", () => {
  it("lists one contact's inbound and outbound messages newest first", async () => {
    const res = await rest("GET", `/messages?contactId=${annId}`, { key });
    expect(res.status).toBe(200);
    expect(res.body.items.map((m: { id: string }) => m.id)).toEqual([
      ids.annInbound,
      ids.annSmsBlocked,
      ids.annEmailRetry,
      ids.annEmailFailed,
    ]);
    expect(res.body.items[0]).toMatchObject({
      direction: "inbound",
      status: "received",
      topic: null,
      events: [{ status: "received" }],
    });
    expect(res.body.items[2]).toMatchObject({ parentMessageId: ids.annEmailFailed, relation: "retry" });
    expect(res.body.nextCursor).toBeNull();
  });

  it("filters by status, channel, topic, direction, campaign and date range", async () => {
    const idsOf = async (query: string) =>
      (await rest("GET", `/messages?${query}`, { key })).body.items.map((m: { id: string }) => m.id);
    expect(await idsOf("status=blocked")).toEqual([ids.annSmsBlocked]);
    expect(await idsOf("channel=sms&direction=outbound")).toEqual([ids.annSmsBlocked]);
    expect(await idsOf("direction=inbound")).toEqual([ids.unknownInbound, ids.annInbound]);
    expect(await idsOf("topic=newsletter&contactId=" + annId)).toEqual([ids.annEmailRetry, ids.annEmailFailed]);
    expect(await idsOf(`campaignId=${campaignId}`)).toEqual([ids.annEmailFailed]);
    expect(await idsOf(`createdFrom=${at(5).toISOString()}&createdTo=${at(20).toISOString()}`)).toEqual([
      ids.annSmsBlocked,
      ids.annEmailRetry,
    ]);
  });

  it("finds messages by exact recipient in any format, through the blind index", async () => {
    const byEmail = await rest("GET", `/messages?recipient=${encodeURIComponent("ANN.LEE@example.com")}`, { key });
    expect(byEmail.body.items.map((m: { id: string }) => m.id)).toEqual([ids.annEmailRetry, ids.annEmailFailed]);
    const byPhone = await rest("GET", `/messages?recipient=${encodeURIComponent("415-555-2671")}`, { key });
    expect(byPhone.body.items.map((m: { id: string }) => m.id)).toEqual([ids.annInbound, ids.annSmsBlocked]);
    const partial = await rest("GET", "/messages?recipient=555", { key });
    expect(partial.status).toBe(400);
    expect(partial.body.data?.field ?? JSON.stringify(partial.body)).toContain("recipient");
  });

  it("pages newest first with a cursor, without skipping or repeating", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await rest("GET", `/messages?${query}`, { key });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((m: { id: string }) => m.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([
      ids.unknownInbound,
      ids.bobEmail,
      ids.annInbound,
      ids.annSmsBlocked,
      ids.annEmailRetry,
      ids.annEmailFailed,
    ]);
  });

  it("answers 404 for another workspace's contact and 400 for a malformed one", async () => {
    expect((await rest("GET", `/messages?contactId=${otherContactId}`, { key })).status).toBe(404);
    expect((await rest("GET", "/messages?contactId=123", { key })).status).toBe(400);
    expect((await rest("GET", "/messages?status=lost", { key })).status).toBe(400);
    const mine = await rest("GET", "/messages", { key: otherKey });
    expect(mine.body.items.map((m: { id: string }) => m.id)).toEqual([otherMessageId]);
  });

  it("is described in the OpenAPI document, every field explained", async () => {
    const doc = (await rest("GET", "/openapi.json", { key })).body;
    const get = doc.paths["/messages/{id}"].get;
    const list = doc.paths["/messages"].get;
    expect(get.summary).toBeTruthy();
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(["contactId", "status", "recipient", "cursor", "limit"]),
    );
    const schema = get.responses["200"].content["application/json"].schema;
    const properties = schema.properties ?? doc.components?.schemas?.[schema.$ref?.split("/").pop()]?.properties;
    for (const field of ["id", "contactId", "channel", "topic", "kind", "status", "reason", "events"]) {
      expect(properties[field]?.description, field).toBeTruthy();
    }
  });
});

describe("admin message history", () => {
  it("marketers see the recipient and content; viewers see the address masked and no content", async () => {
    const asMarketer = await (await callerFor(marketer.user.id)).messageHistory.browse({ contactId: annId });
    expect(asMarketer.masked).toBe(false);
    expect(asMarketer.total).toBe(4);
    const failed = asMarketer.items.find((m) => m.id === ids.annEmailFailed)!;
    expect(failed).toMatchObject({
      address: "Ann.Lee@example.com",
      preview: "Spring is here",
      templateName: "Spring newsletter",
      topicName: "Newsletter",
    });

    const asViewer = await (await callerFor(viewer.user.id)).messageHistory.browse({ contactId: annId });
    expect(asViewer.masked).toBe(true);
    const masked = asViewer.items.find((m) => m.id === ids.annEmailFailed)!;
    expect(masked.address).toBe("A•••@example.com");
    expect(masked.preview).toBeNull();
    expect(asViewer.items.find((m) => m.id === ids.annSmsBlocked)!.address).toBe("+1 ••• ••• 2671");

    const detail = await (await callerFor(viewer.user.id)).messageHistory.detail({ id: ids.annEmailFailed });
    expect(detail.content).toBeNull();
    expect(detail.message.address).toBe("A•••@example.com");
    expect(detail.contact).toMatchObject({ id: annId, firstName: "A•••", email: "a•••@example.com" });
  });

  it("counts messages per status for the same filters, and the total for the chosen status", async () => {
    const owners = await callerFor(owner.user.id);
    const all = await owners.messageHistory.browse({});
    expect(all.total).toBe(6);
    expect(all.statusCounts).toEqual({ failed: 1, delivered: 1, blocked: 1, received: 2, sent: 1 });
    const received = await owners.messageHistory.browse({ status: "received" });
    expect(received.total).toBe(2);
    expect(received.statusCounts?.sent).toBe(1);
  });

  it("shows one message with its timeline, consent proof, template, content and relations", async () => {
    const detail = await (await callerFor(marketer.user.id)).messageHistory.detail({ id: ids.annEmailFailed });
    expect(detail.content).toEqual({
      subject: "Spring is here",
      text: "Hi Ann, spring is here.",
      html: "<p>Hi Ann, <b>spring</b> is here.</p>",
    });
    expect(detail.message).toMatchObject({
      templateName: "Spring newsletter",
      templateKey: "spring",
      templateVersion: 3,
      policyVersion: "2025-05-01",
    });
    expect(detail.message.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(detail.events.map((e) => e.status)).toEqual(["decided", "queued", "failed"]);
    expect(detail.events[2]!.detail).toEqual({ code: "rate_limited", attempt: 3 });
    expect(detail.decision?.checks).toContain("suppression: none");
    expect(detail.consentEvent).toMatchObject({
      action: "opted_in",
      source: "form",
      topic: "newsletter",
      topicName: "Newsletter",
      evidence: { ip: "203.0.113.9", formVersion: "footer@v2" },
      consentText: "Yes, send me the newsletter.",
    });
    expect(detail.children).toEqual([
      expect.objectContaining({ id: ids.annEmailRetry, relation: "retry", status: "delivered" }),
    ]);
    expect(detail.can).toEqual({ retry: true, resend: true });

    const retry = await (await callerFor(marketer.user.id)).messageHistory.detail({ id: ids.annEmailRetry });
    expect(retry.parent).toMatchObject({ id: ids.annEmailFailed, relation: "retry", status: "failed" });
    expect(retry.can.retry).toBe(false);
    const inbound = await (await callerFor(marketer.user.id)).messageHistory.detail({ id: ids.annInbound });
    expect(inbound.can).toEqual({ retry: false, resend: false });
  });

  it("another workspace's message is not found in the admin UI either", async () => {
    await expect((await callerFor(owner.user.id)).messageHistory.detail({ id: otherMessageId })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("the outbox lists only what the log transport recorded, as the recipient would see it", async () => {
    const outbox = await (await callerFor(marketer.user.id)).messageHistory.outbox({});
    expect(outbox.items.map((m) => m.id)).toEqual([ids.annEmailRetry, ids.annEmailFailed]);
    expect(outbox.counts).toEqual({ email: 2, sms: 0 });
    expect(outbox.items[1]).toMatchObject({
      to: "Ann.Lee@example.com",
      from: "OptIn Manager <noreply@localhost>",
      content: { subject: "Spring is here" },
      headers: { "List-Unsubscribe": "<http://localhost/u/abc>" },
    });
    const viewers = await (await callerFor(viewer.user.id)).messageHistory.outbox({ channel: "email" });
    expect(viewers.items[0]).toMatchObject({ to: "a•••@example.com", content: null });
  });
});
