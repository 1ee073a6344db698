import { getOutbox } from "@/server/wiring";
import { randomUUID } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { consentConfirmations, consentEvents, type Channel } from "@/db/schema";
import { fixedClock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { DEFAULT_TOKEN_TTL_MS, signToken, verifyToken } from "@/server/lib/tokens";
import { confirmByCode } from "@/server/services/confirmations/confirm-by-code";
import { confirmByLink } from "@/server/services/confirmations/confirm-by-link";
import { getConsentStates } from "@/server/services/consent/get-consent-states";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { upsertContact } from "@/server/services/contacts";
import { getPreferences } from "@/server/services/preferences/get-preferences";
import { getUnsubscribeContext } from "@/server/services/preferences/get-unsubscribe-context";
import { savePreferences } from "@/server/services/preferences/save-preferences";
import { unsubscribeOneClick } from "@/server/services/preferences/unsubscribe-one-click";
import { ensureDefaultTopics, findTopicByKey } from "@/server/services/topics";
import { createWorkspace, systemContext } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { installRecordingTransports } from "@/tests/helpers/recording-transports";

const HOUR = 3_600_000;
let handle: DbHandle;
let workspaceId: string;
let topicIds: Record<"newsletter" | "promotions" | "account-notices", string>;
let transport: ReturnType<typeof installRecordingTransports>;
const clock = fixedClock("2026-11-20T12:00:00Z");
const link = () => ({ db: handle.db, now: clock, outbox: getOutbox() });

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  workspaceId = (await createWorkspace(handle.db, { name: "Acme Coffee" })).id;
  await ensureDefaultTopics(handle.db, workspaceId, new Date("2026-01-01T00:00:00Z"));
  topicIds = {
    newsletter: (await findTopicByKey(handle.db, workspaceId, "newsletter"))!.id,
    promotions: (await findTopicByKey(handle.db, workspaceId, "promotions"))!.id,
    "account-notices": (await findTopicByKey(handle.db, workspaceId, "account-notices"))!.id,
  };
  transport = installRecordingTransports();
});
afterAll(async () => {
  transport.uninstall();
  await closeDb();
});

async function subscribedContact(input: { email?: string; phone?: string }, channel: Channel, topicKey: string) {
  const ctx = systemContext(handle.db, workspaceId, clock);
  const { contact } = await upsertContact({ ctx, input });
  await recordConsentChange({
    ctx,
    input: {
      contactId: contact.id,
      channel,
      topicKey,
      action: "opted_in",
      source: "api",
      evidence: { note: "signed up at the till" },
    },
  });
  clock.advance(1000);
  return contact.id;
}

async function statusOf(contactId: string, channel: Channel, topic: string) {
  const { states } = await getConsentStates({
    ctx: systemContext(handle.db, workspaceId, clock),
    input: { id: contactId },
  });
  return states.find((s) => s.channel === channel && s.topic === topic) ?? null;
}

async function events(contactId: string) {
  return handle.db
    .select()
    .from(consentEvents)
    .where(eq(consentEvents.contactId, contactId))
    .orderBy(asc(consentEvents.seq));
}

/** One-click opt-out through an (old, never-expiring) unsubscribe link, then the page's "Manage your preferences" token. */
async function unsubscribeThenManage(contactId: string, channel: Channel, topicId: string) {
  const token = signToken(
    "unsubscribe",
    { workspaceId, contactId, channel, topicId },
    { now: new Date("2024-01-01T00:00:00Z") },
  );
  await unsubscribeOneClick({ ctx: link(), input: { token } });
  clock.advance(1000);
  const page = await getUnsubscribeContext({ ctx: link(), input: { token } });
  expect(page.status).toBe("opted_out");
  return { unsubscribeToken: token, preferencesToken: page.preferencesToken };
}

describe("links from an unsubscribe page", () => {
  it("the unsubscribe token never expires and can only opt out; the preference link it mints lives 24 hours", async () => {
    const id = await subscribedContact({ email: `lea-${randomUUID().slice(0, 6)}@example.com` }, "email", "newsletter");
    const { unsubscribeToken, preferencesToken } = await unsubscribeThenManage(id, "email", topicIds.newsletter);
    expect(
      verifyToken("unsubscribe", unsubscribeToken, { now: new Date("2036-01-01T00:00:00Z") })?.expiresAt,
    ).toBeNull();
    // An unsubscribe token is not a preference token: it cannot switch anything on.
    await expect(
      savePreferences({
        ctx: link(),
        input: {
          token: unsubscribeToken,
          choices: [{ topicId: topicIds.newsletter, channel: "email", subscribed: true }],
        },
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });

    const minted = clock();
    expect(verifyToken("preferences", preferencesToken, { now: minted })?.expiresAt?.getTime()).toBe(
      minted.getTime() + 24 * HOUR,
    );
    clock.advance(24 * HOUR - 1000);
    await expect(getPreferences({ ctx: link(), input: { token: preferencesToken } })).resolves.toMatchObject({
      workspaceName: "Acme Coffee",
    });
    clock.advance(1000);
    await expect(getPreferences({ ctx: link(), input: { token: preferencesToken } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(
      savePreferences({
        ctx: link(),
        input: {
          token: preferencesToken,
          choices: [{ topicId: topicIds["account-notices"], channel: "email", subscribed: false }],
        },
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("a preference link sent in a message keeps its 90-day lifetime", () => {
    const now = clock();
    const token = signToken("preferences", { workspaceId, contactId: randomUUID(), channel: "email" }, { now });
    expect(DEFAULT_TOKEN_TTL_MS.preferences).toBe(90 * 24 * HOUR);
    expect(verifyToken("preferences", token, { now })?.expiresAt?.getTime()).toBe(now.getTime() + 90 * 24 * HOUR);
  });
});

describe("re-subscribing to a double opt-in topic from the preference center", () => {
  it("by email: a confirmation link is sent, consent stays opted out, and only the click opts in again", async () => {
    const email = `mia-${randomUUID().slice(0, 6)}@example.com`;
    const id = await subscribedContact({ email }, "email", "newsletter");
    const { preferencesToken } = await unsubscribeThenManage(id, "email", topicIds.newsletter);
    const before = (await events(id)).length;
    const sentBefore = transport.emails.length;

    const saved = await savePreferences({
      ctx: link(),
      input: {
        token: preferencesToken,
        choices: [{ topicId: topicIds.newsletter, channel: "email", subscribed: true }],
        evidence: { ip: "198.51.100.4" },
      },
    });
    expect(saved.changes).toEqual([{ topicKey: "newsletter", channel: "email", status: "pending" }]);
    expect(saved.confirmations).toEqual([
      { channel: "email", codePath: null, sentTo: expect.stringContaining("•••@example.com") },
    ]);
    expect(transport.emails.length).toBe(sentBefore + 1);
    expect(transport.emails.at(-1)!.to).toBe(email);

    // Not consent: the opt-out still stands, and the ledger holds no granted opt-in.
    expect(await statusOf(id, "email", "newsletter")).toMatchObject({ status: "opted_out", source: "one_click" });
    const added = (await events(id)).slice(before);
    expect(added.map((e) => [e.action, e.needsConfirmation, e.source])).toEqual([
      ["opted_in", true, "preference_center"],
    ]);
    const [request] = await handle.db.select().from(consentConfirmations).where(eq(consentConfirmations.contactId, id));
    expect(request).toMatchObject({ source: "preference_center", method: "link", confirmedAt: null });

    clock.advance(60_000);
    const confirmedAt = clock();
    const result = await confirmByLink({
      ctx: link(),
      input: { token: transport.linkTokenFor(email), meta: { ip: "198.51.100.4" } },
    });
    expect(result).toMatchObject({ status: "confirmed", changed: true });
    const state = await statusOf(id, "email", "newsletter");
    expect(state).toMatchObject({ status: "opted_in", source: "preference_center" });
    const last = (await events(id)).at(-1)!;
    expect(last).toMatchObject({
      action: "confirmed",
      source: "preference_center",
      evidence: { confirmationId: request!.id, confirmationMethod: "link" },
    });
    expect(last.occurredAt.getTime()).toBe(confirmedAt.getTime());
  });

  it("by SMS: a code is texted and the grant waits for it", async () => {
    const phone = "+14155550141";
    const id = await subscribedContact({ phone }, "sms", "promotions");
    const { preferencesToken } = await unsubscribeThenManage(id, "sms", topicIds.promotions);
    const saved = await savePreferences({
      ctx: link(),
      input: { token: preferencesToken, choices: [{ topicId: topicIds.promotions, channel: "sms", subscribed: true }] },
    });
    const confirmationId = saved.confirmations[0]?.codePath?.split("/").at(-1);
    expect(saved.confirmations).toEqual([
      { channel: "sms", codePath: `/confirm/code/${confirmationId}`, sentTo: expect.stringContaining("0141") },
    ]);
    expect((await statusOf(id, "sms", "promotions"))?.status).toBe("opted_out");

    clock.advance(30_000);
    const confirmed = await confirmByCode({
      ctx: link(),
      input: { confirmationId: confirmationId!, code: transport.codeFor(phone) },
    });
    expect(confirmed?.outcome).toBe("confirmed");
    expect(await statusOf(id, "sms", "promotions")).toMatchObject({ status: "opted_in", source: "preference_center" });
  });

  it("an unconfirmed request that expires leaves the opt-out in place", async () => {
    const email = `ned-${randomUUID().slice(0, 6)}@example.com`;
    const id = await subscribedContact({ email }, "email", "newsletter");
    const { preferencesToken } = await unsubscribeThenManage(id, "email", topicIds.newsletter);
    await savePreferences({
      ctx: link(),
      input: {
        token: preferencesToken,
        choices: [{ topicId: topicIds.newsletter, channel: "email", subscribed: true }],
      },
    });
    const token = transport.linkTokenFor(email);
    clock.advance(49 * HOUR);
    expect(await confirmByLink({ ctx: link(), input: { token } })).toMatchObject({ status: "expired", changed: false });
    expect((await statusOf(id, "email", "newsletter"))?.status).toBe("opted_out");
    expect((await events(id)).at(-1)).toMatchObject({ action: "expired" });
  });

  it("a topic without double opt-in is still switched on at once", async () => {
    const id = await subscribedContact(
      { email: `ora-${randomUUID().slice(0, 6)}@example.com` },
      "email",
      "account-notices",
    );
    const { preferencesToken } = await unsubscribeThenManage(id, "email", topicIds["account-notices"]);
    const sentBefore = transport.emails.length;
    const saved = await savePreferences({
      ctx: link(),
      input: {
        token: preferencesToken,
        choices: [{ topicId: topicIds["account-notices"], channel: "email", subscribed: true }],
      },
    });
    expect(saved.changes).toEqual([{ topicKey: "account-notices", channel: "email", status: "opted_in" }]);
    expect(saved.confirmations).toEqual([]);
    expect(transport.emails.length).toBe(sentBefore);
    expect(await statusOf(id, "email", "account-notices")).toMatchObject({
      status: "opted_in",
      source: "preference_center",
    });
    const [request] = await handle.db
      .select()
      .from(consentConfirmations)
      .where(and(eq(consentConfirmations.contactId, id), eq(consentConfirmations.workspaceId, workspaceId)));
    expect(request).toBeUndefined();
  });
});
