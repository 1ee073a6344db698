import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignRecipients, messages, trackingEvents } from "@/db/schema";
import { fixedClock, type Clock } from "@/server/lib/clock";
import {
  advanceRun,
  createCampaign,
  dryRunCampaign,
  getCampaignProgress,
  scheduleCampaign,
  type RunStep,
} from "@/server/services/campaigns";
import { bestHour, workspacePrior } from "@/server/shared/send-time";
import { createApiKeyFor, createMember, createWorkspace, memberContext } from "@/tests/factories";
import { rest } from "@/tests/helpers/http";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

/**
 * Send-time optimisation end to end on a real database (PGlite, or PostgreSQL with
 * TEST_DATABASE_URL): opens and clicks by local hour → the freeze's per-recipient best hour
 * (shrunk toward the workspace's) → delivery as each recipient's hour comes, with a fixed clock.
 * The window used crosses the US change to daylight time (2026-03-08, 02:00 in New York).
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

const T0 = new Date("2026-03-07T12:00:00Z");
const WINDOW_START = "2026-03-08T00:00:00.000Z";
const WINDOW_END = Date.parse("2026-03-09T00:00:00Z");

async function workspace(messaging: Record<string, unknown> = NO_QUIET_HOURS.messaging) {
  const ws = await createWorkspace(h.handle.db, { settings: { messaging } });
  const member = await createMember(h.handle.db, ws.id, "admin");
  const ctx = (now?: Clock) => ({
    ...memberContext(h.handle.db, ws.id, member.user.id, "admin"),
    ...(now ? { now } : {}),
  });
  await h.topic("news", ["email", "sms"], "marketing", ws.id);
  return { id: ws.id, ctx };
}

async function person(workspaceId: string, timezone: string, channel: "email" | "sms" = "email") {
  const id = await h.contact(
    channel === "email" ? { email: uniqueEmail(), timezone } : { phone: uniquePhone(), timezone },
    workspaceId,
  );
  await h.optIn(id, channel, "news", workspaceId);
  return id;
}

/** `count` opens (one message each) by the contact at `at`; `machine` ones are a scanner's. */
async function opens(workspaceId: string, contactId: string, at: string[], machine = false) {
  for (const occurredAt of at) {
    const [message] = await h.handle.db
      .insert(messages)
      .values({
        workspaceId,
        contactId,
        direction: "outbound",
        channel: "email",
        topicKey: "news",
        kind: "marketing",
        status: "sent",
        transport: "resend",
        countsTowardCaps: false,
      })
      .returning();
    await h.handle.db.insert(trackingEvents).values({
      workspaceId,
      messageId: message!.id,
      kind: machine ? "open" : at.indexOf(occurredAt) % 2 === 0 ? "open" : "click",
      source: "ours",
      machine,
      occurredAt: new Date(occurredAt),
    });
  }
}

/** `n` distinct days in February at the same UTC time of day. */
const days = (n: number, time: string) =>
  Array.from({ length: n }, (_, i) => `2026-02-${String(i + 1).padStart(2, "0")}T${time}Z`);

async function drive(runId: string, now: Clock, maxSteps = 50): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < maxSteps; i++) {
    step = await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId } });
    if (step.state !== "more") return step;
  }
  return step;
}

async function recipients(runId: string) {
  return h.handle.db.select().from(campaignRecipients).where(eq(campaignRecipients.runId, runId));
}

async function sentTo(runId: string) {
  const rows = await h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runId));
  return rows.map((m) => m.contactId!).sort();
}

describe("send-time optimisation", () => {
  it("sends each recipient at their best hour: strong history wins, thin history follows the workspace, all inside the window, once", async () => {
    const ws = await workspace();
    // The workspace's habit: 09:00 London (GMT in February) — 25 opens by five people.
    const regulars: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await person(ws.id, "Europe/London");
      await opens(ws.id, id, days(5, "09:10:00"));
      regulars.push(id);
    }
    // Eight evenings at 20:00 in New York (EST: 01:00 UTC next day): strong enough to win.
    const nightOwl = await person(ws.id, "America/New_York");
    await opens(ws.id, nightOwl, days(8, "01:20:00"));
    // Two opens at 22:00 in Tokyo: too thin, pulled to the workspace's 09:00. A scanner's 03:00
    // opens and a year-old habit do not count.
    const thin = await person(ws.id, "Asia/Tokyo");
    await opens(ws.id, thin, days(2, "13:05:00"));
    await opens(ws.id, thin, days(12, "18:00:00"), true);
    await opens(
      ws.id,
      thin,
      Array.from({ length: 12 }, (_, i) => `2025-03-${String(i + 1).padStart(2, "0")}T18:00:00Z`),
    );
    // No history: the workspace's 09:00, read in New York on the day clocks go forward.
    const newcomer = await person(ws.id, "America/New_York");

    const campaign = await createCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: { name: "Best hour", channel: "email", topic: "news", content: { subject: "Hi", text: "News" } },
    });
    const dry = await dryRunCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: { id: campaign.id, bestHour: { windowStart: WINDOW_START } },
    });
    expect(dry.bestHour).toMatchObject({ windowStart: WINDOW_START, windowHours: 24, withHistory: 7, priorOnly: 1 });
    expect(dry.bestHour!.hours).toEqual([
      { hour: 9, recipients: 7 },
      { hour: 20, recipients: 1 },
    ]);

    const { runIds, campaign: scheduled } = await scheduleCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: { id: campaign.id, bestHour: { windowStart: WINDOW_START } },
    });
    expect(scheduled.schedule).toEqual({
      type: "best_hour",
      windowStart: WINDOW_START,
      windowHours: 24,
      fallbackHour: 10,
      timezone: "UTC",
    });
    const runId = runIds[0]!;
    expect(await drive(runId, fixedClock(T0))).toEqual({ state: "wait", until: WINDOW_START });

    const start = new Date(WINDOW_START);
    const first = await drive(runId, fixedClock(start));
    expect(first.state).toBe("wait");
    const rows = await recipients(runId);
    const at = (id: string) => rows.find((r) => r.contactId === id)!.sendAt!.toISOString();
    expect(at(thin)).toBe("2026-03-08T00:00:00.000Z"); // 09:00 JST, the window's first instant
    expect(at(nightOwl)).toBe("2026-03-08T01:00:00.000Z"); // 20:00 EST on the 7th
    for (const id of regulars) expect(at(id)).toBe("2026-03-08T09:00:00.000Z"); // 09:00 GMT
    expect(at(newcomer)).toBe("2026-03-08T13:00:00.000Z"); // 09:00 EDT, after the change
    for (const row of rows) {
      expect(row.sendAt!.getTime()).toBeGreaterThanOrEqual(start.getTime());
      expect(row.sendAt!.getTime()).toBeLessThan(WINDOW_END);
    }

    // Each recipient goes at their hour, exactly once, whoever drives the run again.
    expect(await sentTo(runId)).toEqual([thin]);
    await drive(runId, fixedClock(new Date("2026-03-08T00:59:00Z")));
    expect(await sentTo(runId)).toEqual([thin]);
    await drive(runId, fixedClock(new Date("2026-03-08T01:00:00Z")));
    await drive(runId, fixedClock(new Date("2026-03-08T01:00:00Z")));
    expect(await sentTo(runId)).toEqual([nightOwl, thin].sort());
    await drive(runId, fixedClock(new Date("2026-03-08T09:00:00Z")));
    expect(await sentTo(runId)).toEqual([nightOwl, thin, ...regulars].sort());
    const progress = await getCampaignProgress({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(progress.hours).toEqual([
      { hour: 9, total: 7, pending: 1 },
      { hour: 20, total: 1, pending: 0 },
    ]);
    await drive(runId, fixedClock(new Date("2026-03-08T13:00:00Z")));
    await h.settle();
    const end = await drive(runId, fixedClock(new Date("2026-03-08T13:00:00Z")));
    expect(end).toEqual({ state: "done", status: "completed" });
    expect(await sentTo(runId)).toEqual([nightOwl, thin, newcomer, ...regulars].sort());
  });

  it("never picks a quiet hour for SMS and stays inside a shorter window", async () => {
    const ws = await workspace({
      ...NO_QUIET_HOURS.messaging,
      quietHours: { enabled: true, start: "08:00", end: "20:00", stateRules: false },
    });
    // Ten late-night opens (22:00 New York, EST) and a fallback hour inside quiet hours (06:00):
    // no allowed hour has any weight, so the earliest allowed one after the window's start wins.
    const late = await person(ws.id, "America/New_York", "sms");
    await opens(ws.id, late, days(10, "03:00:00"));
    // Six afternoons at 15:00 New York.
    const afternoon = await person(ws.id, "America/New_York", "sms");
    await opens(ws.id, afternoon, days(6, "20:00:00"));
    const campaign = await createCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: { name: "Texts", channel: "sms", topic: "news", content: { text: "News" } },
    });
    // 21:00 EST on the 7th, for 17 hours: to 15:00 EDT on the 8th (exclusive; 02:00 was skipped).
    const { runIds } = await scheduleCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: {
        id: campaign.id,
        timezone: "America/New_York",
        bestHour: { windowStart: "2026-03-07T21:00", windowHours: 17, fallbackHour: 6 },
      },
    });
    const runId = runIds[0]!;
    await drive(runId, fixedClock(new Date("2026-03-08T02:00:00Z")));
    const rows = await recipients(runId);
    const at = (id: string) => rows.find((r) => r.contactId === id)!.sendAt!.toISOString();
    expect(at(late)).toBe("2026-03-08T12:00:00.000Z"); // 08:00 EDT: the first allowed hour
    // 15:00 EDT is the window's end: excluded; the prior's weight is nowhere, so 08:00 again.
    expect(at(afternoon)).toBe("2026-03-08T12:00:00.000Z");

    // A window that ends after 15:00 lets the afternoon habit win.
    const again = await createCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: { name: "Texts 2", channel: "sms", topic: "news", content: { text: "News" } },
    });
    const { runIds: more } = await scheduleCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: { id: again.id, timezone: "America/New_York", bestHour: { windowStart: "2026-03-07T21:00" } },
    });
    await drive(more[0]!, fixedClock(new Date("2026-03-08T02:00:00Z")));
    const second = await recipients(more[0]!);
    expect(second.find((r) => r.contactId === afternoon)!.sendAt!.toISOString()).toBe("2026-03-08T19:00:00.000Z");
    // The default fallback hour (10:00) is allowed: the thin workspace's prior sends the night owl then.
    expect(second.find((r) => r.contactId === late)!.sendAt!.toISOString()).toBe("2026-03-08T14:00:00.000Z");
    for (const row of [...rows, ...second]) {
      const hour = Number(
        new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", hour: "numeric", hourCycle: "h23" }).format(
          row.sendAt!,
        ),
      );
      expect(hour).toBeGreaterThanOrEqual(8);
      expect(hour).toBeLessThan(20);
    }
  });

  it("refuses a bad best-hour schedule and changes nothing", async () => {
    const ws = await workspace();
    const campaign = await createCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: { name: "Bad", channel: "email", topic: "news", content: { subject: "Hi", text: "News" } },
    });
    const attempt = (bestHour: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      scheduleCampaign({
        ctx: ws.ctx(fixedClock(T0)),
        input: { id: campaign.id, bestHour: bestHour as { windowStart: string }, ...extra },
      });
    await expect(attempt({ windowStart: "2026-03-01T00:00:00Z" })).rejects.toThrow(/passed/);
    await expect(attempt({ windowStart: "not a date" })).rejects.toThrow(/date/i);
    await expect(attempt({ windowStart: WINDOW_START, windowHours: 25 })).rejects.toThrow();
    await expect(attempt({ windowStart: WINDOW_START, fallbackHour: 24 })).rejects.toThrow();
    await expect(attempt({ windowStart: WINDOW_START }, { localTime: "10:00" })).rejects.toThrow(/one of/);
    const dry = await dryRunCampaign({ ctx: ws.ctx(fixedClock(T0)), input: { id: campaign.id } });
    expect(dry.bestHour).toBeUndefined();
    const progress = await getCampaignProgress({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(progress.run).toBeNull();
  });

  it("the freeze's statement agrees with the model of server/shared/send-time.ts", async () => {
    const ws = await workspace();
    // A seeded pseudo-random history: 12 people in UTC, 0–9 opens each at random hours.
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const histories: { id: string; counts: number[] }[] = [];
    const workspaceCounts = Array.from({ length: 24 }, () => 0);
    for (let i = 0; i < 12; i++) {
      const id = await person(ws.id, "UTC");
      const counts = Array.from({ length: 24 }, () => 0);
      const n = Math.floor(random() * 10);
      const at: string[] = [];
      for (let j = 0; j < n; j++) {
        const hour = Math.floor(random() * 24);
        counts[hour]!++;
        workspaceCounts[hour]!++;
        at.push(`2026-01-${String(j + 1).padStart(2, "0")}T${String(hour).padStart(2, "0")}:15:00Z`);
      }
      await opens(ws.id, id, at);
      histories.push({ id, counts });
    }
    const campaign = await createCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: { name: "Model", channel: "email", topic: "news", content: { subject: "Hi", text: "News" } },
    });
    // A window from 14:00 UTC: the slots run 14…23, 0…13.
    const { runIds } = await scheduleCampaign({
      ctx: ws.ctx(fixedClock(T0)),
      input: { id: campaign.id, bestHour: { windowStart: "2026-03-08T14:00:00Z", fallbackHour: 16 } },
    });
    await drive(runIds[0]!, fixedClock(new Date("2026-03-08T14:00:00Z")));
    const rows = await recipients(runIds[0]!);
    const prior = workspacePrior(workspaceCounts, 16);
    const slots = [...Array.from({ length: 10 }, (_, i) => 14 + i), ...Array.from({ length: 14 }, (_, i) => i)];
    for (const { id, counts } of histories) {
      const expected = bestHour(counts, prior, slots)!;
      const day = expected >= 14 ? "08" : "09";
      expect([id, rows.find((r) => r.contactId === id)!.sendAt!.toISOString()]).toEqual([
        id,
        `2026-03-${day}T${String(expected).padStart(2, "0")}:00:00.000Z`,
      ]);
    }
  });
});

describe("best-hour schedule over REST", () => {
  it("accepts the schedule body, answers the stored schedule, refuses bad input with a 400 that changes nothing", async () => {
    const ws = await workspace();
    await person(ws.id, "Europe/Paris");
    const { secret: key } = await createApiKeyFor(h.handle.db, ws.id, ["campaigns:read", "campaigns:write"]);
    const campaign = await createCampaign({
      ctx: ws.ctx(),
      input: { name: "REST", channel: "email", topic: "news", content: { subject: "Hi", text: "News" } },
    });
    const bad = await rest("POST", `/campaigns/${campaign.id}/schedule`, {
      key,
      body: { bestHour: { windowStart: new Date(Date.now() + 3_600_000).toISOString(), windowHours: 30 } },
    });
    expect(bad.status).toBe(400);
    const passed = await rest("POST", `/campaigns/${campaign.id}/schedule`, {
      key,
      body: { bestHour: { windowStart: "2020-01-01T00:00:00Z" } },
    });
    expect(passed.status).toBe(400);
    const unchanged = await rest("GET", `/campaigns/${campaign.id}`, { key });
    expect(unchanged.body).toMatchObject({ status: "draft", schedule: null });

    const start = new Date(Math.ceil((Date.now() + 2 * 3_600_000) / 3_600_000) * 3_600_000).toISOString();
    const dry = await rest("POST", `/campaigns/${campaign.id}/dry_run`, {
      key,
      body: { bestHour: { windowStart: start, windowHours: 12, fallbackHour: 9 } },
    });
    expect(dry.status).toBe(200);
    expect((dry.body as { bestHour: unknown }).bestHour).toMatchObject({
      windowStart: start,
      windowHours: 12,
      withHistory: 0,
      priorOnly: 1,
    });
    const ok = await rest("POST", `/campaigns/${campaign.id}/schedule`, {
      key,
      body: { bestHour: { windowStart: start, windowHours: 12, fallbackHour: 9 } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      status: "scheduled",
      schedule: { type: "best_hour", windowStart: start, windowHours: 12, fallbackHour: 9, timezone: "UTC" },
    });
  });
});
