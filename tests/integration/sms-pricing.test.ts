import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, campaignRuns, contacts, workspaces } from "@/db/schema";
import { createCaller } from "@/server/api/root";
import type { TrpcContext } from "@/server/api/trpc";
import { systemClock } from "@/server/lib/clock";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { advanceRun, createCampaign, dryRunCampaign, scheduleCampaign } from "@/server/services/campaigns";
import { updateSmsPricing } from "@/server/services/policy";
import { createMember, createWorkspace, memberContext } from "@/tests/factories";
import { NO_QUIET_HOURS, startSendHarness, type SendHarness } from "./send-harness";

/**
 * SMS prices per destination country, on PGlite and on PostgreSQL: the settings procedures
 * (validation, roles, audit), the dry run's cost by country against a hand-computed figure, and
 * the audience freeze's drift check on the same cost.
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

async function callerFor(userId: string, workspaceId: string) {
  const membership = await resolveSessionMembership(h.handle.db, userId, workspaceId);
  const ctx: TrpcContext = {
    db: h.handle.db,
    now: systemClock,
    outbox: h.outbox,
    requestId: "test",
    auth: membership ? { kind: "session", membership } : { kind: "anonymous" },
    headers: new Headers(),
  };
  return createCaller(ctx);
}

async function settingsOf(workspaceId: string) {
  const [row] = await h.handle.db
    .select({ settings: workspaces.settings })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
  return row!.settings;
}

async function pricingAudits(workspaceId: string) {
  return h.handle.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.workspaceId, workspaceId), eq(auditLog.action, "workspace.sms_pricing_updated")));
}

const PRICES = { segmentPrice: 0.01, countryPrices: { US: 0.0079, GB: 0.05 } };

describe("SMS price settings", () => {
  it("a new workspace reads the default price and no country prices; an older single segmentPrice still counts", async () => {
    const fresh = await createWorkspace(h.handle.db);
    const viewer = await createMember(h.handle.db, fresh.id, "viewer");
    expect(await (await callerFor(viewer.user.id, fresh.id)).messagingSettings.smsPricing()).toEqual({
      segmentPrice: 0.0079,
      countryPrices: {},
    });
    const older = await createWorkspace(h.handle.db, { settings: { sms: { segmentPrice: 0.02 } } });
    const member = await createMember(h.handle.db, older.id, "viewer");
    expect(await (await callerFor(member.user.id, older.id)).messagingSettings.smsPricing()).toEqual({
      segmentPrice: 0.02,
      countryPrices: {},
    });
  });

  it("an admin saves prices: read back, stored under settings.sms beside other keys, audited with before and after", async () => {
    const ws = await createWorkspace(h.handle.db, {
      settings: { branding: { color: "#123456" }, sms: { segmentPrice: 0.02, note: "kept" } },
    });
    const admin = await createMember(h.handle.db, ws.id, "admin");
    const caller = await callerFor(admin.user.id, ws.id);

    expect(await caller.messagingSettings.updateSmsPricing(PRICES)).toEqual(PRICES);
    expect(await caller.messagingSettings.smsPricing()).toEqual(PRICES);
    expect(await settingsOf(ws.id)).toEqual({
      branding: { color: "#123456" },
      sms: { note: "kept", segmentPrice: 0.01, countryPrices: { GB: 0.05, US: 0.0079 } },
    });

    const audits = await pricingAudits(ws.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorType: "user",
      actorId: admin.user.id,
      targetType: "workspace",
      targetId: ws.id,
      before: { segmentPrice: 0.02, countryPrices: {} },
      after: { segmentPrice: 0.01, countryPrices: { GB: 0.05, US: 0.0079 } },
    });

    // An owner may too; removing a country is saving without it.
    const owner = await createMember(h.handle.db, ws.id, "owner");
    await (
      await callerFor(owner.user.id, ws.id)
    ).messagingSettings.updateSmsPricing({
      segmentPrice: 0.01,
      countryPrices: { US: 0.0079 },
    });
    expect(await caller.messagingSettings.smsPricing()).toEqual({ segmentPrice: 0.01, countryPrices: { US: 0.0079 } });
    expect(await pricingAudits(ws.id)).toHaveLength(2);
  });

  it("viewers and marketers read but cannot update (the service refuses on its own too)", async () => {
    const ws = await createWorkspace(h.handle.db);
    for (const role of ["viewer", "marketer"] as const) {
      const member = await createMember(h.handle.db, ws.id, role);
      const caller = await callerFor(member.user.id, ws.id);
      await expect(caller.messagingSettings.smsPricing()).resolves.toMatchObject({ segmentPrice: 0.0079 });
      await expect(caller.messagingSettings.updateSmsPricing(PRICES)).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(updateSmsPricing({ ctx: member.ctx, input: PRICES })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    expect(await settingsOf(ws.id)).toEqual({});
    expect(await pricingAudits(ws.id)).toHaveLength(0);
  });

  it("invalid prices and country codes are a 400 with the field, and change nothing", async () => {
    const ws = await createWorkspace(h.handle.db);
    const admin = await createMember(h.handle.db, ws.id, "admin");
    const caller = await callerFor(admin.user.id, ws.id);
    await caller.messagingSettings.updateSmsPricing(PRICES);

    const bad: unknown[] = [
      { segmentPrice: -0.01, countryPrices: {} },
      { segmentPrice: 10.5, countryPrices: {} },
      { segmentPrice: 0.000001, countryPrices: {} },
      { segmentPrice: 0.01, countryPrices: { XX: 0.01 } },
      { segmentPrice: 0.01, countryPrices: { us: 0.01 } },
      { segmentPrice: 0.01, countryPrices: { GB: 0.123456 } },
      { segmentPrice: 0.01, countryPrices: { GB: "0.05" } },
      { segmentPrice: 0.01, countryPrices: [0.05] },
    ];
    for (const input of bad) {
      await expect(
        caller.messagingSettings.updateSmsPricing(
          input as Parameters<typeof caller.messagingSettings.updateSmsPricing>[0],
        ),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    const failure = await caller.messagingSettings
      .updateSmsPricing({ segmentPrice: 0.01, countryPrices: { ZZ: 0.01 } })
      .catch((error: unknown) => error);
    expect(JSON.stringify((failure as { cause?: unknown }).cause ?? failure)).toContain("ZZ");

    expect(await caller.messagingSettings.smsPricing()).toEqual(PRICES);
    expect(await pricingAudits(ws.id)).toHaveLength(1);
  });
});

/**
 * A workspace with prices (US 0.0079, GB 0.05, default 0.01) and SMS contacts opted in to news:
 * 3 US numbers, 2 GB numbers, 1 FR number (no FR price: default) and 1 number whose country is
 * unknown (default), plus one US number without consent (blocked: not priced).
 */
async function pricedAudience() {
  const ws = await createWorkspace(h.handle.db, { settings: { ...NO_QUIET_HOURS, sms: PRICES } });
  const member = await createMember(h.handle.db, ws.id, "admin");
  const ctx = () => memberContext(h.handle.db, ws.id, member.user.id, "admin");
  await h.topic("news", ["sms"], "marketing", ws.id);
  const phones = [
    "+14155550111",
    "+14155550112",
    "+12125550113",
    "+442079460958",
    "+442079460959",
    "+33612345678",
    "+14155550114",
  ];
  const ids: string[] = [];
  for (const phone of phones) {
    const id = await h.contact({ phone }, ws.id);
    await h.optIn(id, "sms", "news", ws.id);
    ids.push(id);
  }
  // The last one's country is unknown (as for contacts written before countries were recorded).
  await h.handle.db.update(contacts).set({ phoneCountry: null }).where(eq(contacts.id, ids[6]!));
  await h.contact({ phone: "+14155550115" }, ws.id); // no consent: blocked, costs nothing
  const campaign = await createCampaign({
    ctx: ctx(),
    input: { name: "Priced", channel: "sms", topic: "news", content: { text: "Sale today" } },
  });
  return { ws, ctx, campaign, ids };
}

/** Segments × price in whole 1/100,000 USD, rounded to 4 decimals at the end (the hand computation). */
const usd = (units: number) => Math.round(units / 10) / 10_000;

describe("dry-run cost by destination country", () => {
  it("prices each country's segments at its price and the rest at the default, with a total rounded once", async () => {
    const { ctx, campaign } = await pricedAudience();
    const result = await dryRunCampaign({ ctx: ctx(), input: { id: campaign.id } });
    expect(result).toMatchObject({ audience: 8, sendable: 7, blocked: { no_consent: 1 } });
    const perMessage = result.smsSegments! / 7;
    expect(Number.isInteger(perMessage) && perMessage >= 1).toBe(true);
    // US: 3 × 790; GB: 2 × 5000; FR and unknown: 1 × 1000 each (units of 1/100,000 USD per segment).
    const expected = usd(perMessage * (3 * 790 + 2 * 5000 + 1000 + 1000));
    expect(result.estimatedCost).toEqual({
      amount: expected,
      currency: "USD",
      defaultPriced: 2,
      byCountry: [
        {
          country: "GB",
          recipients: 2,
          segments: 2 * perMessage,
          price: 0.05,
          defaultPrice: false,
          cost: usd(2 * perMessage * 5000),
        },
        {
          country: "US",
          recipients: 3,
          segments: 3 * perMessage,
          price: 0.0079,
          defaultPrice: false,
          cost: usd(3 * perMessage * 790),
        },
        {
          country: "FR",
          recipients: 1,
          segments: perMessage,
          price: 0.01,
          defaultPrice: true,
          cost: usd(perMessage * 1000),
        },
        {
          country: null,
          recipients: 1,
          segments: perMessage,
          price: 0.01,
          defaultPrice: true,
          cost: usd(perMessage * 1000),
        },
      ],
    });
    if (perMessage === 1) expect(result.estimatedCost!.amount).toBe(0.1437);
  });

  it("the freeze costs the frozen audience the same way; a price raised after the review pauses the run for drift", async () => {
    const unchanged = await pricedAudience();
    const reviewed = await dryRunCampaign({ ctx: unchanged.ctx(), input: { id: unchanged.campaign.id } });
    const { runIds: sendingRuns } = await scheduleCampaign({
      ctx: unchanged.ctx(),
      input: { id: unchanged.campaign.id },
    });
    const ctx = { db: h.handle.db, now: () => new Date(), outbox: h.outbox };
    expect(await advanceRun({ ctx, input: { runId: sendingRuns[0]!, limit: 1 } })).not.toEqual({
      state: "done",
      status: "paused",
    });
    const [sending] = await h.handle.db.select().from(campaignRuns).where(eq(campaignRuns.id, sendingRuns[0]!));
    expect(sending!.statusReason).toBeNull();
    expect(sending!.frozenDryRun).toMatchObject({
      sendable: 7,
      smsSegments: reviewed.smsSegments,
      estimatedCost: reviewed.estimatedCost,
    });

    const raised = await pricedAudience();
    const review = await dryRunCampaign({ ctx: raised.ctx(), input: { id: raised.campaign.id } });
    // GB goes from 0.05 to 0.5 after the review: same audience, a dearer send.
    await updateSmsPricing({
      ctx: raised.ctx(),
      input: { segmentPrice: 0.01, countryPrices: { US: 0.0079, GB: 0.5 } },
    });
    const { runIds } = await scheduleCampaign({ ctx: raised.ctx(), input: { id: raised.campaign.id } });
    expect(await advanceRun({ ctx, input: { runId: runIds[0]! } })).toEqual({ state: "done", status: "paused" });
    const [paused] = await h.handle.db.select().from(campaignRuns).where(eq(campaignRuns.id, runIds[0]!));
    expect([paused!.status, paused!.statusReason]).toEqual(["paused", "drift"]);
    const perMessage = review.smsSegments! / 7;
    expect(paused!.frozenDryRun).toMatchObject({
      audience: review.audience,
      sendable: review.sendable,
      estimatedCost: { amount: usd(perMessage * (3 * 790 + 2 * 50_000 + 2000)), defaultPriced: 2 },
    });
  });
});
