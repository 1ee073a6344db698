import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignRecipients, campaignRuns, messages, trackingEvents } from "@/db/schema";
import { fixedClock, type Clock } from "@/server/lib/clock";
import {
  advanceRun,
  chooseAbVariant,
  createCampaign,
  decideDueAbTests,
  getAbTestResults,
  scheduleCampaign,
  setCampaignAbTest,
  type RunStep,
} from "@/server/services/campaigns";
import { abVariant, inAbTestGroup } from "@/server/services/campaigns/ab-assignment";
import { createApiKeyFor, createMember, createWorkspace, memberContext } from "@/tests/factories";
import { rest } from "@/tests/helpers/http";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

/**
 * A/B tests of send time ("best hour vs fixed time") on a real database (PGlite, or PostgreSQL
 * with TEST_DATABASE_URL), with a fixed clock: the fixed variant's recipients are due at once, the
 * best-hour variant's at the hour their opens point to; the decision waits for the best-hour
 * window; the lift; the remainder goes out with the winner's timing.
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

// Everyone in London, which keeps GMT in February: local hours are UTC hours.
const T0 = new Date("2026-02-10T12:00:00Z");
const at = (hours: number) => fixedClock(new Date(T0.getTime() + hours * 3_600_000));
const HOUR = 3_600_000;

async function workspace() {
  const ws = await createWorkspace(h.handle.db, { settings: NO_QUIET_HOURS });
  const member = await createMember(h.handle.db, ws.id, "admin");
  const ctx = (now: Clock = fixedClock(T0)) => ({ ...memberContext(h.handle.db, ws.id, member.user.id, "admin"), now });
  await h.topic("news", ["email", "sms"], "marketing", ws.id);
  return { id: ws.id, ctx };
}

/** `n` opted-in London contacts, each with five human opens at 09:10 on early February days. */
async function habitual(workspaceId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await h.contact({ email: uniqueEmail(), timezone: "Europe/London" }, workspaceId);
    await h.optIn(id, "email", "news", workspaceId);
    ids.push(id);
  }
  const history = await h.handle.db
    .insert(messages)
    .values(
      ids.flatMap((contactId) =>
        Array.from({ length: 5 }, () => ({
          workspaceId,
          contactId,
          direction: "outbound" as const,
          channel: "email" as const,
          topicKey: "news",
          kind: "marketing" as const,
          status: "sent" as const,
          transport: "resend",
          countsTowardCaps: false,
        })),
      ),
    )
    .returning({ id: messages.id });
  await h.handle.db.insert(trackingEvents).values(
    history.map((m, i) => ({
      workspaceId,
      messageId: m.id,
      kind: "open" as const,
      source: "ours" as const,
      machine: false,
      occurredAt: new Date(`2026-02-0${(i % 5) + 1}T09:10:00Z`),
    })),
  );
  return ids;
}

const sendTimeTest = (defaultVariant: "A" | "B" = "A") => ({
  variants: [
    { key: "A" as const, sendTime: { mode: "fixed" as const } },
    { key: "B" as const, sendTime: { mode: "best_hour" as const, windowHours: 24 } },
  ],
  share: 50,
  metric: "opened" as const,
  waitHours: 2,
  defaultVariant,
});

async function drive(runId: string, now: Clock): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < 50; i++) {
    step = await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId } });
    if (step.state !== "more") return step;
  }
  return step;
}

async function recipientsOf(runId: string) {
  return h.handle.db.select().from(campaignRecipients).where(eq(campaignRecipients.runId, runId));
}

async function runMessages(runId: string) {
  return h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runId));
}

async function remainderOf(campaignId: string) {
  const [run] = await h.handle.db
    .select()
    .from(campaignRuns)
    .where(and(eq(campaignRuns.campaignId, campaignId), eq(campaignRuns.kind, "ab_remainder")));
  return run;
}

async function decide(campaignId: string, now: Clock): Promise<boolean> {
  await decideDueAbTests({ ctx: { db: h.handle.db, now } });
  return (await remainderOf(campaignId)) !== undefined;
}

/** A send-time test over 40 habitual contacts, its test run started at T0 and both variants sent. */
async function sentTest() {
  const ws = await workspace();
  const contacts = await habitual(ws.id, 40);
  const campaign = await createCampaign({
    ctx: ws.ctx(),
    input: { name: "Timing", channel: "email", topic: "news", content: { subject: "Hello", text: "News" } },
  });
  await setCampaignAbTest({ ctx: ws.ctx(), input: { id: campaign.id, abTest: sendTimeTest() } });
  const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
  const testRunId = runIds[0]!;
  const first = await drive(testRunId, fixedClock(T0));
  return { ws, contacts, campaign, testRunId, first };
}

describe("A/B test of send time", () => {
  it("assigns by the hash; fixed-time recipients are due at once, best-hour ones at the hour their opens point to", async () => {
    const { contacts, campaign, testRunId, first } = await sentTest();
    const rows = await recipientsOf(testRunId);
    const expected = contacts.filter((c) => inAbTestGroup(campaign.id, c, 50)).sort();
    expect(rows.map((r) => r.contactId).sort()).toEqual(expected);
    for (const r of rows) expect(r.variant).toBe(abVariant(campaign.id, r.contactId, 2));
    const fixed = rows.filter((r) => r.variant === "A");
    const best = rows.filter((r) => r.variant === "B");
    expect(fixed.length).toBeGreaterThan(0);
    expect(best.length).toBeGreaterThan(0);
    // 09:00 London is the habit: the first 09:00 inside the 24 h window from 12:00 is the next day's.
    for (const r of fixed) expect(r.sendAt).toBeNull();
    for (const r of best) {
      expect(r.sendAt?.toISOString()).toBe("2026-02-11T09:00:00.000Z");
      expect(r.zone).toBe("Europe/London");
    }

    // At the run's time only the fixed variant goes out; the run then waits for 09:00.
    expect(first).toEqual({ state: "wait", until: "2026-02-11T09:00:00.000Z" });
    expect((await runMessages(testRunId)).map((m) => m.contactId).sort()).toEqual(fixed.map((r) => r.contactId).sort());
    await drive(testRunId, at(21));
    expect((await runMessages(testRunId)).map((m) => m.contactId).sort()).toEqual(expected);
  });

  it("decides only after the best-hour window and the wait; the lift matches the hand computation; a best-hour winner sends the rest at their best hour", async () => {
    const { ws, campaign, testRunId } = await sentTest();
    await drive(testRunId, at(21));
    await h.settle();
    await drive(testRunId, at(21));
    const sent = await runMessages(testRunId);
    const variantOf = new Map((await recipientsOf(testRunId)).map((r) => [r.contactId, r.variant]));
    const fixed = sent.filter((m) => variantOf.get(m.contactId!) === "A");
    const best = sent.filter((m) => variantOf.get(m.contactId!) === "B");
    // Every best-hour message opened, one fixed-time message opened.
    for (const m of [...best, fixed[0]!])
      await h.handle.db
        .update(messages)
        .set({ openedAt: at(22)() })
        .where(eq(messages.id, m.id));

    // A plain test would decide at start + wait (T0 + 2 h); this one at T0 + 24 h + 2 h.
    expect(await decide(campaign.id, at(3))).toBe(false);
    expect(await decide(campaign.id, fixedClock(new Date(T0.getTime() + 26 * HOUR - 60_000)))).toBe(false);
    const results = await getAbTestResults({
      ctx: ws.ctx(at(25)),
      input: { id: campaign.id },
    });
    expect(results.sendWindowEnd).toBe(new Date(T0.getTime() + 24 * HOUR).toISOString());
    expect(results.decideAfter).toBe(new Date(T0.getTime() + 26 * HOUR).toISOString());
    expect(results.variants.map((v) => v.label)).toEqual(["Fixed time", "Best hour"]);

    // The lift by hand: rates 1/nA and nB/nB; the CI of the difference ± 1.96 × unpooled SE, ÷ the fixed rate.
    const nA = fixed.length;
    const nB = best.length;
    const pA = 1 / nA;
    const pB = 1;
    const se = Math.sqrt((pA * (1 - pA)) / nA + (pB * (1 - pB)) / nB);
    const z975 = 1.959963984540054;
    expect(results.lift?.fixedRate).toBeCloseTo(pA, 10);
    expect(results.lift?.bestHourRate).toBeCloseTo(1, 10);
    expect(results.lift?.relative).toBeCloseTo((pB - pA) / pA, 8);
    expect(results.lift?.ci95?.[0]).toBeCloseTo((pB - pA - z975 * se) / pA, 6);
    expect(results.lift?.ci95?.[1]).toBeCloseTo((pB - pA + z975 * se) / pA, 6);

    expect(await decide(campaign.id, at(26))).toBe(true);
    const decided = await getAbTestResults({
      ctx: ws.ctx(at(26)),
      input: { id: campaign.id },
    });
    expect(decided).toMatchObject({ status: "winner_chosen", winner: "B" });
    const remainder = (await remainderOf(campaign.id))!;
    expect(remainder.schedule).toMatchObject({
      type: "best_hour",
      windowStart: at(26)().toISOString(),
      windowHours: 24,
      fallbackHour: 10,
    });
    // The remainder's freeze (14:00 on the 11th) gives everyone the next 09:00 in the window.
    expect(await drive(remainder.id, at(26))).toEqual({ state: "wait", until: "2026-02-12T09:00:00.000Z" });
    const rest = await recipientsOf(remainder.id);
    expect(rest.length).toBe(40 - variantOf.size);
    for (const r of rest) {
      expect(r.variant).toBe("B");
      expect(r.sendAt?.toISOString()).toBe("2026-02-12T09:00:00.000Z");
    }
    expect(await runMessages(remainder.id)).toHaveLength(0);
  });

  it("no difference: the fixed-time default goes to the rest now; choosing the best hour before it starts changes its timing", async () => {
    const { ws, campaign, testRunId } = await sentTest();
    await drive(testRunId, at(21));
    expect(await decide(campaign.id, at(26))).toBe(true);
    const remainder = (await remainderOf(campaign.id))!;
    expect(remainder.schedule).toEqual({ type: "now" });
    const ctx = ws.ctx(at(26));
    const { results } = await chooseAbVariant({ ctx, input: { id: campaign.id, variant: "B" } });
    expect(results).toMatchObject({ status: "overridden", winner: "B" });
    expect((await remainderOf(campaign.id))!.schedule).toMatchObject({ type: "best_hour", windowHours: 24 });
    const back = await chooseAbVariant({ ctx, input: { id: campaign.id, variant: "A" } });
    expect(back.results.winner).toBe("A");
    expect((await remainderOf(campaign.id))!.schedule).toEqual({ type: "now" });
    await drive(remainder.id, at(26));
    const rest = await recipientsOf(remainder.id);
    expect(rest.length).toBeGreaterThan(0);
    for (const r of rest) expect(r.sendAt).toBeNull();
  });

  it("validates: 400 naming the field for content in a send-time test, equal modes, a bad window, SMS opens; SMS may test send time; local-time schedules conflict", async () => {
    const ws = await workspace();
    const email = await createCampaign({
      ctx: ws.ctx(),
      input: { name: "E", channel: "email", topic: "news", content: { subject: "S", text: "T" } },
    });
    const { secret: key } = await createApiKeyFor(h.handle.db, ws.id, ["campaigns:read", "campaigns:write"]);
    const put = (abTest: unknown) => rest("PUT", `/campaigns/${email.id}/ab_test`, { key, body: { abTest } });
    const base = sendTimeTest();
    const withSubject = await put({ ...base, variants: [base.variants[0], { ...base.variants[1], subject: "Other" }] });
    expect(withSubject.status).toBe(400);
    expect(JSON.stringify(withSubject.body)).toContain("subject");
    const sameModes = await put({ ...base, variants: [base.variants[0], { key: "B", sendTime: { mode: "fixed" } }] });
    expect(sameModes.status).toBe(400);
    expect(JSON.stringify(sameModes.body)).toContain("different send times");
    const badWindow = await put({
      ...base,
      variants: [base.variants[0], { key: "B", sendTime: { mode: "best_hour", windowHours: 30 } }],
    });
    expect(badWindow.status).toBe(400);
    expect(JSON.stringify(badWindow.body)).toContain("windowHours");
    const halfTimed = await put({ ...base, variants: [base.variants[0], { key: "B" }] });
    expect(halfTimed.status).toBe(400);
    expect(JSON.stringify(halfTimed.body)).toContain("sendTime");
    const unchanged = await rest("GET", `/campaigns/${email.id}/ab_test`, { key });
    expect(unchanged.body).toMatchObject({ settings: null });

    // The defaults are filled in and answered.
    const ok = await put({ ...base, variants: [base.variants[0], { key: "B", sendTime: { mode: "best_hour" } }] });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      settings: {
        variants: [
          { sendTime: { mode: "fixed" } },
          { sendTime: { mode: "best_hour", windowHours: 24, fallbackHour: 10 } },
        ],
      },
      variants: [{ label: "Fixed time" }, { label: "Best hour" }],
      lift: null,
    });
    await expect(
      scheduleCampaign({ ctx: ws.ctx(), input: { id: email.id, localTime: "09:00", date: "2026-02-12" } }),
    ).rejects.toMatchObject({ code: "CONFLICT" });

    const sms = await createCampaign({
      ctx: ws.ctx(),
      input: { name: "S", channel: "sms", topic: "news", content: { text: "Hi" } },
    });
    await h.contact({ phone: uniquePhone() }, ws.id);
    await expect(
      setCampaignAbTest({ ctx: ws.ctx(), input: { id: sms.id, abTest: sendTimeTest() } }),
    ).rejects.toMatchObject({ code: "INVALID" });
    const smsOk = await setCampaignAbTest({
      ctx: ws.ctx(),
      input: { id: sms.id, abTest: { ...sendTimeTest(), metric: "clicked" } },
    });
    expect(smsOk.variants.map((v) => v.sendTime?.mode)).toEqual(["fixed", "best_hour"]);
  });
}, 120_000);
