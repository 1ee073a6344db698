import { InngestTestEngine } from "@inngest/test";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  campaignRecipients,
  campaignRuns,
  campaigns,
  jobRuns,
  messages,
  providerCircuits,
  workspaces,
} from "@/db/schema";
import { campaignRunRequested } from "@/inngest/events";
import { campaignRunFunction } from "@/inngest/functions/campaign-run";
import { createJobRunner } from "@/server/jobs";
import { runWithJobContext } from "@/server/jobs/runner/context";
import { fixedClock, type Clock } from "@/server/lib/clock";
import {
  advanceRun,
  cancelCampaign,
  createCampaign,
  dryRunCampaign,
  failRun,
  getCampaign,
  getCampaignProgress,
  listCampaignRecipients,
  listCampaignRuns,
  pauseCampaign,
  resumeCampaign,
  runCampaignScheduler,
  scheduleCampaign,
  sendCampaignToRest,
  type RunStep,
} from "@/server/services/campaigns";
import { createSegment } from "@/server/services/segments";
import { createApiKeyFor, createMember, createWorkspace, memberContext } from "@/tests/factories";
import { rest } from "@/tests/helpers/http";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * Campaign runs end to end on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL):
 * schedule → freeze → chunks through the send pipeline → delivery, with the run's job driven by
 * hand (`advanceRun`, as the job's steps call it) and a fixed clock where time matters.
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

/** A fresh workspace (so counts are exact) with a marketer's context. */
async function workspace(settings: Record<string, unknown> = NO_QUIET_HOURS) {
  const ws = await createWorkspace(h.handle.db, { settings });
  const member = await createMember(h.handle.db, ws.id, "admin");
  const ctx = (now?: Clock) => ({
    ...memberContext(h.handle.db, ws.id, member.user.id, "admin"),
    ...(now ? { now } : {}),
  });
  await h.topic("news", ["email", "sms"], "marketing", ws.id);
  return { id: ws.id, ctx };
}

/** `n` contacts with an email, opted in to news unless told otherwise. */
async function people(workspaceId: string, n: number, extra: { optedIn?: boolean; timezone?: string } = {}) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await h.contact(
      { email: uniqueEmail(), ...(extra.timezone ? { timezone: extra.timezone } : {}) },
      workspaceId,
    );
    if (extra.optedIn !== false) await h.optIn(id, "email", "news", workspaceId);
    ids.push(id);
  }
  return ids;
}

/** Runs the run's steps until it stops or has to wait (what the job does between sleeps). */
async function drive(runId: string, now: Clock = () => new Date(), limit?: number, maxSteps = 50): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < maxSteps; i++) {
    step = await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId, limit } });
    if (step.state !== "more") return step;
  }
  return step;
}

async function messagesOfRun(runId: string) {
  return h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runId));
}

async function newsCampaign(
  ctx: ReturnType<Awaited<ReturnType<typeof workspace>>["ctx"]>,
  extra: Record<string, unknown> = {},
) {
  return createCampaign({
    ctx,
    input: {
      name: `Campaign ${Math.random().toString(36).slice(2, 7)}`,
      channel: "email",
      topic: "news",
      content: { subject: "Hello {{ contact.first_name }}", text: "News for you" },
      ...extra,
    },
  });
}

describe("campaign runs", () => {
  it("sends now: every consented recipient gets one message, the others are recorded blocked with the reason, the run completes", async () => {
    const ws = await workspace();
    const optedIn = await people(ws.id, 5);
    const noConsent = await people(ws.id, 2, { optedIn: false });
    const optedOut = await people(ws.id, 1);
    await h.optOut(optedOut[0]!, "email", "news", ws.id);
    const campaign = await newsCampaign(ws.ctx());

    const { campaign: scheduled, runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(scheduled.status).toBe("sending");
    expect(scheduled.schedule).toEqual({ type: "now" });
    expect(runIds).toHaveLength(1);
    const runId = runIds[0]!;

    const end = await drive(runId);
    expect(end).toEqual({ state: "done", status: "sending" });
    await h.settle();
    expect(await drive(runId)).toEqual({ state: "done", status: "completed" });

    const sent = await messagesOfRun(runId);
    expect(sent).toHaveLength(5);
    expect(new Set(sent.map((m) => m.contactId))).toEqual(new Set(optedIn));
    expect(sent.every((m) => m.status === "sent" && m.campaignId === campaign.id)).toBe(true);

    const after = await getCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(after.status).toBe("completed");
    expect(after.counts).toMatchObject({ audience: 8, sendable: 5, queued: 0, sent: 5, failed: 0 });
    expect(after.counts.blocked).toEqual({ no_consent: 2, opted_out: 1 });

    const blocked = await listCampaignRecipients({ ctx: ws.ctx(), input: { id: campaign.id, outcome: "blocked" } });
    expect(blocked.items.map((r) => r.contactId).sort()).toEqual([...noConsent, ...optedOut].sort());
    expect(blocked.items.every((r) => r.address?.endsWith("@example.com"))).toBe(true);

    const progress = await getCampaignProgress({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(progress.timeline.map((e) => e.type)).toEqual(["completed", "chunk", "started", "scheduled"]);
  });

  it("a chunk retried after a crash, or run twice at once, never sends a recipient twice and loses none", async () => {
    const ws = await workspace();
    const ids = await people(ws.id, 12);
    const campaign = await newsCampaign(ws.ctx());
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    const runId = runIds[0]!;
    const ctx = { db: h.handle.db, now: () => new Date(), outbox: h.outbox };
    await advanceRun({ ctx, input: { runId } }); // freeze
    await advanceRun({ ctx, input: { runId, limit: 5 } }); // first chunk

    // A crash after the messages were recorded but before the recipients were marked: they read pending again.
    await h.handle.db
      .update(campaignRecipients)
      .set({ status: "pending", messageId: null, handedAt: null })
      .where(eq(campaignRecipients.runId, runId));
    // Two jobs of the run at once (a rescue next to a live job).
    await Promise.all([drive(runId, undefined, 4), drive(runId, undefined, 4)]);
    await h.settle();
    await drive(runId);

    const sent = await messagesOfRun(runId);
    expect(sent).toHaveLength(12);
    expect(new Set(sent.map((m) => m.contactId))).toEqual(new Set(ids));
    const handed = await h.handle.db
      .select()
      .from(campaignRecipients)
      .where(and(eq(campaignRecipients.runId, runId), eq(campaignRecipients.status, "handed")));
    expect(handed).toHaveLength(12);
    expect(handed.every((r) => sent.some((m) => m.id === r.messageId))).toBe(true);
  });

  it("pause stops before the next chunk, resume carries on, an opt-out committed meanwhile is honoured", async () => {
    const ws = await workspace();
    const ids = await people(ws.id, 9);
    const campaign = await newsCampaign(ws.ctx());
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    const runId = runIds[0]!;
    const ctx = { db: h.handle.db, now: () => new Date(), outbox: h.outbox };
    await advanceRun({ ctx, input: { runId } });
    await advanceRun({ ctx, input: { runId, limit: 3 } });

    const paused = await pauseCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(paused.status).toBe("paused");
    expect(await advanceRun({ ctx, input: { runId, limit: 3 } })).toEqual({ state: "done", status: "paused" });
    expect(await messagesOfRun(runId)).toHaveLength(3);

    const pending = await h.handle.db
      .select({ contactId: campaignRecipients.contactId })
      .from(campaignRecipients)
      .where(and(eq(campaignRecipients.runId, runId), eq(campaignRecipients.status, "pending")));
    const leaver = pending[0]!.contactId;
    await h.optOut(leaver, "email", "news", ws.id);

    const resumed = await resumeCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(resumed.runIds).toEqual([runId]);
    expect(resumed.campaign.status).toBe("sending");
    await drive(runId, undefined, 3);
    await h.settle();
    await drive(runId);

    const sent = await messagesOfRun(runId);
    expect(sent).toHaveLength(9);
    const left = sent.find((m) => m.contactId === leaver)!;
    expect([left.status, left.reason]).toEqual(["blocked", "opted_out"]);
    expect(
      sent
        .filter((m) => m.status === "sent")
        .map((m) => m.contactId)
        .sort(),
    ).toEqual(ids.filter((id) => id !== leaver).sort());
    expect((await getCampaign({ ctx: ws.ctx(), input: { id: campaign.id } })).status).toBe("completed");
  });

  it("cancel stops the run; 'send to the rest' reaches exactly the never-sent", async () => {
    const ws = await workspace();
    await people(ws.id, 10);
    const campaign = await newsCampaign(ws.ctx());
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    const runId = runIds[0]!;
    const ctx = { db: h.handle.db, now: () => new Date(), outbox: h.outbox };
    await advanceRun({ ctx, input: { runId } });
    await advanceRun({ ctx, input: { runId, limit: 4 } });
    await h.settle();

    const cancelled = await cancelCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.counts).toMatchObject({ sent: 4, cancelled: 6, queued: 0 });
    expect(await advanceRun({ ctx, input: { runId } })).toEqual({ state: "done", status: "cancelled" });
    const firstContacts = (await messagesOfRun(runId)).map((m) => m.contactId);

    const rest = await sendCampaignToRest({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(rest.runIds).toHaveLength(1);
    const followUp = rest.runIds[0]!;
    await drive(followUp);
    await h.settle();
    await drive(followUp);

    const second = await messagesOfRun(followUp);
    expect(second).toHaveLength(6);
    expect(second.some((m) => firstContacts.includes(m.contactId))).toBe(false);
    const runs = await listCampaignRuns({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(runs.items.map((r) => [r.kind, r.status])).toEqual([
      ["follow_up", "completed"],
      ["once", "cancelled"],
    ]);
    expect((await getCampaign({ ctx: ws.ctx(), input: { id: campaign.id } })).status).toBe("completed");
  });

  it("a run whose job failed for good ends failed; the rest is sent by a follow-up", async () => {
    const ws = await workspace();
    await people(ws.id, 5);
    const campaign = await newsCampaign(ws.ctx());
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    const runId = runIds[0]!;
    const ctx = { db: h.handle.db, now: () => new Date(), outbox: h.outbox };
    await advanceRun({ ctx, input: { runId } });
    await advanceRun({ ctx, input: { runId, limit: 2 } });
    expect(await failRun({ ctx, input: { runId, error: "TypeError" } })).toEqual({ failed: true });
    expect((await getCampaign({ ctx: ws.ctx(), input: { id: campaign.id } })).status).toBe("failed");
    expect(await advanceRun({ ctx, input: { runId } })).toEqual({ state: "done", status: "failed" });
    const rest = await sendCampaignToRest({ ctx: ws.ctx(), input: { id: campaign.id } });
    await drive(rest.runIds[0]!);
    expect(await messagesOfRun(rest.runIds[0]!)).toHaveLength(3);
  });

  it("an exclusion segment leaves its members out of the run", async () => {
    const ws = await workspace();
    const ids = await people(ws.id, 4);
    await h.handle.db.execute(sql`update contacts set tags = '{staff}' where id = ${ids[0]!}::uuid`);
    const staff = await createSegment({
      ctx: ws.ctx(),
      input: { name: "Staff", filter: { all: [{ field: "tags", op: "contains", value: "staff" }] } },
    });
    const campaign = await newsCampaign(ws.ctx(), { exclusionSegmentIds: [staff.id] });
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    await drive(runIds[0]!);
    const sent = await messagesOfRun(runIds[0]!);
    expect(sent.map((m) => m.contactId).sort()).toEqual(ids.slice(1).sort());
  });

  it("two campaigns racing for one frequency cap: each contact gets one message", async () => {
    const ws = await workspace({
      messaging: { ...NO_QUIET_HOURS.messaging, frequencyCaps: [{ channel: "any", topicKey: null, max: 1, days: 7 }] },
    });
    const ids = await people(ws.id, 6);
    const a = await newsCampaign(ws.ctx());
    const b = await newsCampaign(ws.ctx());
    const runA = (await scheduleCampaign({ ctx: ws.ctx(), input: { id: a.id } })).runIds[0]!;
    const runB = (await scheduleCampaign({ ctx: ws.ctx(), input: { id: b.id } })).runIds[0]!;
    const ctx = { db: h.handle.db, now: () => new Date(), outbox: h.outbox };
    await Promise.all([advanceRun({ ctx, input: { runId: runA } }), advanceRun({ ctx, input: { runId: runB } })]);
    await Promise.all([drive(runA, undefined, 2), drive(runB, undefined, 2)]);
    const all = [...(await messagesOfRun(runA)), ...(await messagesOfRun(runB))];
    const delivered = all.filter((m) => m.status !== "blocked");
    expect(delivered).toHaveLength(6);
    expect(new Set(delivered.map((m) => m.contactId))).toEqual(new Set(ids));
    expect(all.filter((m) => m.status === "blocked").every((m) => m.reason === "frequency_cap")).toBe(true);
  });

  it("a run whose audience moved more than the tolerance from the reviewed dry run pauses for review", async () => {
    const ws = await workspace();
    await people(ws.id, 3);
    const campaign = await newsCampaign(ws.ctx());
    await h.handle.db
      .update(campaigns)
      .set({
        lastDryRun: {
          audience: 10,
          sendable: 10,
          blocked: {},
          deferred: 0,
          smsSegments: null,
          estimatedCost: null,
          computedAt: new Date().toISOString(),
        },
      })
      .where(eq(campaigns.id, campaign.id));
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(await drive(runIds[0]!)).toEqual({ state: "done", status: "paused" });
    const [run] = await h.handle.db.select().from(campaignRuns).where(eq(campaignRuns.id, runIds[0]!));
    expect([run!.status, run!.statusReason]).toEqual(["paused", "drift"]);
    expect(await messagesOfRun(runIds[0]!)).toHaveLength(0);
    // Reviewed: resuming sends the frozen audience.
    await resumeCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    await drive(runIds[0]!);
    expect(await messagesOfRun(runIds[0]!)).toHaveLength(3);
  });

  it("at a local time in each recipient's zone, across a DST change, once per recipient at the right wall-clock time", async () => {
    // 2026-03-08: clocks go forward in New York (02:00 → 03:00); London and Tokyo do not change.
    const T0 = new Date("2026-03-07T12:00:00Z");
    const ws = await workspace({ messaging: { ...NO_QUIET_HOURS.messaging, timezone: "Europe/Paris" } });
    const [ny] = await people(ws.id, 1, { timezone: "America/New_York" });
    const [london] = await people(ws.id, 1, { timezone: "Europe/London" });
    const [tokyo] = await people(ws.id, 1, { timezone: "Asia/Tokyo" });
    const [bogus] = await people(ws.id, 1);
    // A zone written by an older import that no database knows (the API refuses it today).
    await h.handle.db.execute(sql`update contacts set timezone = 'Mars/Olympus_Mons' where id = ${bogus!}::uuid`);
    const [none] = await people(ws.id, 1);
    const campaign = await newsCampaign(ws.ctx(fixedClock(T0)));
    const dry = await dryRunCampaign({ ctx: ws.ctx(fixedClock(T0)), input: { id: campaign.id } });
    expect(dry.timezones).toEqual({ contact: 3, phone: 0, workspace: 1, fallback: 1 });
    const { runIds, campaign: scheduled } = await scheduleCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: { id: campaign.id, localTime: "02:30", date: "2026-03-08" },
    });
    expect(scheduled.schedule).toEqual({ type: "local", localTime: "02:30", date: "2026-03-08", late: "next_day" });
    const runId = runIds[0]!;
    // Before the earliest zone reaches 02:30 the run waits; then it freezes.
    const early = await drive(runId, fixedClock(T0));
    expect(early.state).toBe("wait");
    const start = new Date((early as { until: string }).until);
    expect(start.toISOString()).toBe("2026-03-07T12:30:00.000Z");

    const waiting = await drive(runId, fixedClock(start));
    expect(waiting).toEqual({ state: "wait", until: "2026-03-07T17:30:00.000Z" }); // 02:30 in Tokyo
    const rows = await h.handle.db.select().from(campaignRecipients).where(eq(campaignRecipients.runId, runId));
    const at = (id: string) => rows.find((r) => r.contactId === id)!;
    expect(at(tokyo!).sendAt!.toISOString()).toBe("2026-03-07T17:30:00.000Z");
    expect([at(london!).sendAt!.toISOString(), at(london!).zoneSource]).toEqual([
      "2026-03-08T02:30:00.000Z",
      "contact",
    ]);
    // 02:30 does not exist in New York that night: the first instant after it (03:30 EDT).
    expect([at(ny!).sendAt!.toISOString(), at(ny!).zone]).toEqual(["2026-03-08T07:30:00.000Z", "America/New_York"]);
    expect([at(bogus!).zone, at(bogus!).zoneSource]).toEqual(["Europe/Paris", "fallback"]);
    expect([at(none!).zone, at(none!).zoneSource]).toEqual(["Europe/Paris", "workspace"]);

    // At each zone's time exactly that zone's recipients go.
    await drive(runId, fixedClock(new Date("2026-03-07T17:30:00Z")));
    expect((await messagesOfRun(runId)).map((m) => m.contactId)).toEqual([tokyo]);
    await drive(runId, fixedClock(new Date("2026-03-08T01:30:00Z")));
    expect((await messagesOfRun(runId)).map((m) => m.contactId).sort()).toEqual([tokyo, bogus, none].sort());
    await drive(runId, fixedClock(new Date("2026-03-08T07:30:00Z")));
    expect(await messagesOfRun(runId)).toHaveLength(5);
    const progress = await getCampaignProgress({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(progress.zones.find((z) => z.zone === "America/New_York")).toMatchObject({ total: 1, pending: 0 });
  });

  it("a recurring campaign: each occurrence is a run that reaches everyone again, at 10:00 New York time across DST", async () => {
    const T0 = new Date("2026-03-06T20:00:00Z"); // Friday
    const ws = await workspace();
    const ids = await people(ws.id, 3);
    const campaign = await newsCampaign(ws.ctx(fixedClock(T0)));
    const { runIds, campaign: scheduled } = await scheduleCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: { id: campaign.id, rrule: "FREQ=DAILY;BYHOUR=10;BYMINUTE=0;COUNT=3", timezone: "America/New_York" },
    });
    expect(scheduled.status).toBe("scheduled");
    const first = runIds[0]!;
    const [firstRun] = await h.handle.db.select().from(campaignRuns).where(eq(campaignRuns.id, first));
    expect(firstRun!.scheduledFor.toISOString()).toBe("2026-03-07T15:00:00.000Z"); // 10:00 EST
    expect(scheduled.nextRunAt!.toISOString()).toBe("2026-03-08T14:00:00.000Z"); // 10:00 EDT

    const t1 = new Date("2026-03-07T15:00:00Z");
    await drive(first, fixedClock(t1));
    await h.settle();
    await drive(first, fixedClock(t1));
    expect(await messagesOfRun(first)).toHaveLength(3);

    const t2 = new Date("2026-03-08T14:00:00Z");
    const tick = await runCampaignScheduler({ ctx: { db: h.handle.db, now: fixedClock(t2) } });
    expect(tick.occurrences).toHaveLength(1);
    const again = await runCampaignScheduler({ ctx: { db: h.handle.db, now: fixedClock(t2) } });
    expect(again.occurrences).toHaveLength(0);
    const second = tick.occurrences[0]!;
    await drive(second, fixedClock(t2));
    const secondMessages = await messagesOfRun(second);
    expect(new Set(secondMessages.map((m) => m.contactId))).toEqual(new Set(ids));
    expect(secondMessages.every((m) => m.status !== "blocked")).toBe(true);
    const [row] = await h.handle.db.select().from(campaigns).where(eq(campaigns.id, campaign.id));
    expect(row!.nextRunAt!.toISOString()).toBe("2026-03-09T14:00:00.000Z");
  });

  it("while the provider's circuit is open the run waits (nothing dropped, shown on the progress), then carries on", async () => {
    const ws = await workspace();
    await people(ws.id, 3);
    const campaign = await newsCampaign(ws.ctx());
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    const runId = runIds[0]!;
    const ctx = { db: h.handle.db, now: () => new Date(), outbox: h.outbox };
    await advanceRun({ ctx, input: { runId } });
    const provider = h.outbox.transports.email.name;
    const openUntil = new Date(Date.now() + 60_000);
    await h.handle.db
      .insert(providerCircuits)
      .values({ provider, state: "open", failures: 10, windowStart: new Date(), openedAt: new Date(), openUntil });
    try {
      expect(await advanceRun({ ctx, input: { runId } })).toEqual({ state: "wait", until: openUntil.toISOString() });
      expect(await messagesOfRun(runId)).toHaveLength(0);
      const progress = await getCampaignProgress({
        ctx: { ...ws.ctx(), outbox: h.outbox },
        input: { id: campaign.id },
      });
      expect(progress.provider).toMatchObject({ name: provider, state: "open" });
      expect(progress.timeline[0]!.type).toBe("provider_paused");
      const later = () => new Date(openUntil.getTime() + 1000);
      await drive(runId, later);
      expect(await messagesOfRun(runId)).toHaveLength(3);
    } finally {
      await h.handle.db.delete(providerCircuits).where(eq(providerCircuits.provider, provider));
    }
  });

  it("the campaign-run function drives a run through its steps (InngestTestEngine)", async () => {
    const ws = await workspace();
    await people(ws.id, 3);
    const campaign = await newsCampaign(ws.ctx());
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    const engine = new InngestTestEngine({
      function: campaignRunFunction,
      events: [{ name: campaignRunRequested.name, data: { runId: runIds[0]!, workspaceId: ws.id } }],
    });
    const { result, error } = await runWithJobContext({ context: { db: h.handle.db, now: () => new Date() } }, () =>
      engine.execute(),
    );
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ state: "done" });
    expect(await messagesOfRun(runIds[0]!)).toHaveLength(3);
    const [ws2] = await h.handle.db.select().from(workspaces).where(eq(workspaces.id, ws.id));
    expect(ws2).toBeDefined();
  });
});

describe("campaign runs over REST", () => {
  it("schedule {} answers sending; runs, progress and recipients are listed; bad input is a 400 that changes nothing", async () => {
    const ws = await workspace();
    await people(ws.id, 2);
    const { secret: key } = await createApiKeyFor(h.handle.db, ws.id, ["campaigns:read", "campaigns:write"]);
    const campaign = await newsCampaign(ws.ctx());

    const bad = await rest("POST", `/campaigns/${campaign.id}/schedule`, { key, body: { localTime: "25:00" } });
    expect(bad.status).toBe(400);
    expect((await getCampaign({ ctx: ws.ctx(), input: { id: campaign.id } })).status).toBe("draft");

    const scheduled = await rest("POST", `/campaigns/${campaign.id}/schedule`, { key, body: {} });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body).toMatchObject({ status: "sending", schedule: { type: "now" } });
    const runs = await rest("GET", `/campaigns/${campaign.id}/runs`, { key });
    expect(runs.status).toBe(200);
    const runId = (runs.body as { items: { id: string; kind: string }[] }).items[0]!.id;
    await drive(runId);
    const recipients = await rest("GET", `/campaigns/${campaign.id}/recipients?outcome=queued`, { key });
    const sentNow = await rest("GET", `/campaigns/${campaign.id}/recipients`, { key });
    expect(sentNow.status).toBe(200);
    expect((sentNow.body as { items: unknown[] }).items).toHaveLength(2);
    expect(recipients.status).toBe(200);
    const progress = await rest("GET", `/campaigns/${campaign.id}/progress`, { key });
    expect(progress.status).toBe(200);
    expect((progress.body as { run: { id: string } }).run.id).toBe(runId);

    const again = await rest("POST", `/campaigns/${campaign.id}/schedule`, { key, body: {} });
    expect(again.status).toBe(409);
    await h.settle();
    await drive(runId);
    const paused = await rest("POST", `/campaigns/${campaign.id}/pause`, { key, body: {} });
    expect(paused.status).toBe(409); // completed: nothing left to pause
  });
});

describe("campaign runs through the in-process runner", () => {
  it("the schedule's event starts the run's job, which freezes and sends it once", async () => {
    const ws = await workspace();
    await people(ws.id, 4);
    const campaign = await newsCampaign(ws.ctx());
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    const runner = createJobRunner({ handle: h.handle, clock: () => new Date(), functions: [campaignRunFunction] });
    try {
      await runner.send([
        campaignRunRequested.create({ runId: runIds[0]!, workspaceId: ws.id }, { id: `campaign-run-${runIds[0]!}` }),
      ]);
      // A second request with the run's event id starts nothing.
      await runner.send([
        campaignRunRequested.create({ runId: runIds[0]!, workspaceId: ws.id }, { id: `campaign-run-${runIds[0]!}` }),
      ]);
      await runner.drain();
      await h.settle();
      const sent = await messagesOfRun(runIds[0]!);
      expect(sent).toHaveLength(4);
      const jobs = (await h.handle.db.select().from(jobRuns)).filter((j) => j.functionId.endsWith("-campaign-run"));
      expect(jobs.filter((j) => j.event.data.runId === runIds[0]).map((j) => j.status)).toEqual(["completed"]);
    } finally {
      await runner.stop();
    }
  });
});
