import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, campaignRecipients, campaignRuns, campaigns, messages, notifications } from "@/db/schema";
import { fixedClock, type Clock } from "@/server/lib/clock";
import {
  advanceRun,
  cancelCampaign,
  chooseAbVariant,
  createCampaign,
  decideDueAbTests,
  getAbTestResults,
  getCampaign,
  getCampaignEngagement,
  getCampaignReport,
  runCampaignScheduler,
  scheduleCampaign,
  setCampaignAbTest,
  type RunStep,
} from "@/server/services/campaigns";
import { abVariant, inAbTestGroup } from "@/server/services/campaigns/ab-assignment";
import { decryptField } from "@/server/services/messages/message-secrets";
import { recordTrackingEvent } from "@/server/services/tracking";
import { createApiKeyFor, createMember, createWorkspace, memberContext } from "@/tests/factories";
import { rest } from "@/tests/helpers/http";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

/**
 * A/B tests end to end on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): the
 * freeze's hash assignment, the variants' content, results from tracking events, the automatic
 * decision with a fixed clock, the manual choice, and the remainder run reaching exactly the rest.
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

const BROWSER =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";

async function workspace() {
  const ws = await createWorkspace(h.handle.db, { settings: NO_QUIET_HOURS });
  const member = await createMember(h.handle.db, ws.id, "admin");
  const ctx = (now?: Clock) => ({
    ...memberContext(h.handle.db, ws.id, member.user.id, "admin"),
    ...(now ? { now } : {}),
  });
  await h.topic("news", ["email", "sms"], "marketing", ws.id);
  return { id: ws.id, ctx };
}

async function people(workspaceId: string, n: number, channel: "email" | "sms" = "email") {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await h.contact(channel === "email" ? { email: uniqueEmail() } : { phone: uniquePhone() }, workspaceId);
    await h.optIn(id, channel, "news", workspaceId);
    ids.push(id);
  }
  return ids;
}

async function drive(runId: string, now: Clock = () => new Date()): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < 50; i++) {
    step = await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId } });
    if (step.state !== "more") return step;
  }
  return step;
}

/** Drives a run to its end (its messages delivered by the stub provider). */
async function sendAll(runId: string, now: Clock = () => new Date()) {
  await drive(runId, now);
  await h.settle();
  expect(await drive(runId, now)).toEqual({ state: "done", status: "completed" });
}

const settings = (defaultVariant: "A" | "B" = "A") => ({
  variants: [
    { key: "A" as const, subject: "Subject A" },
    { key: "B" as const, subject: "Subject B", senderName: "Brand B" },
  ],
  share: 50,
  metric: "opened" as const,
  waitHours: 2,
  defaultVariant,
});

/** A campaign with an A/B test over `n` opted-in contacts, scheduled now, its test run sent. */
async function testedCampaign(n: number, defaultVariant: "A" | "B" = "A") {
  const ws = await workspace();
  const contacts = await people(ws.id, n);
  const campaign = await createCampaign({
    ctx: ws.ctx(),
    input: {
      name: "Spring sale",
      channel: "email",
      topic: "news",
      content: { subject: "Plain", text: "News for you" },
    },
  });
  const setUp = await setCampaignAbTest({
    ctx: ws.ctx(),
    input: { id: campaign.id, abTest: settings(defaultVariant) },
  });
  expect(setUp.status).toBe("draft");
  const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
  const testRunId = runIds[0]!;
  await sendAll(testRunId);
  const [testRun] = await h.handle.db.select().from(campaignRuns).where(eq(campaignRuns.id, testRunId));
  return { ws, contacts, campaign, testRun: testRun! };
}

async function recipientsOf(runId: string) {
  return h.handle.db.select().from(campaignRecipients).where(eq(campaignRecipients.runId, runId));
}

async function remainderOf(campaignId: string) {
  return h.handle.db
    .select()
    .from(campaignRuns)
    .where(and(eq(campaignRuns.campaignId, campaignId), eq(campaignRuns.kind, "ab_remainder")));
}

/** The automatic decisions at `now`, answering the remainder runs created for this campaign (other tests' campaigns share the database). */
async function decide(campaignId: string, now: Clock): Promise<string[]> {
  const { runIds } = await decideDueAbTests({ ctx: { db: h.handle.db, now } });
  const mine = new Set((await remainderOf(campaignId)).map((r) => r.id));
  return runIds.filter((id) => mine.has(id));
}

const at = (from: Date, hours: number) => fixedClock(new Date(from.getTime() + hours * 3_600_000));

describe("A/B tests", () => {
  it("the freeze puts exactly the hash's test group in the test run with its variants; the variants send their own subject and sender", async () => {
    const { campaign, contacts, testRun } = await testedCampaign(40);
    expect(testRun.kind).toBe("ab_test");
    const expected = contacts.filter((c) => inAbTestGroup(campaign.id, c, 50));
    expect(expected.length).toBeGreaterThan(5);
    expect(expected.length).toBeLessThan(35);
    const recipients = await recipientsOf(testRun.id);
    expect(new Set(recipients.map((r) => r.contactId))).toEqual(new Set(expected));
    for (const r of recipients) expect(r.variant).toBe(abVariant(campaign.id, r.contactId, 2));

    const sent = await h.handle.db.select().from(messages).where(eq(messages.campaignRunId, testRun.id));
    expect(sent).toHaveLength(expected.length);
    for (const m of sent) {
      const variant = abVariant(campaign.id, m.contactId!, 2);
      expect(m.variant).toBe(variant);
      expect(decryptField(m.subjectCiphertext, "subject")).toBe(variant === "A" ? "Subject A" : "Subject B");
      if (variant === "B") expect(m.fromAddress).toContain("Brand B");
      else expect(m.fromAddress ?? "").not.toContain("Brand B");
    }
    const [row] = await h.handle.db.select().from(campaigns).where(eq(campaigns.id, campaign.id));
    expect(row!.abTest!.status).toBe("testing");
  });

  it("counts opens from tracking events per variant; after the wait the better variant wins and the rest gets it, once", async () => {
    const { ws, campaign, contacts, testRun } = await testedCampaign(60);
    // The test group is sent, the rest still to come: the campaign shows as scheduled.
    expect((await getCampaign({ ctx: ws.ctx(), input: { id: campaign.id } })).status).toBe("scheduled");
    const sent = await h.handle.db.select().from(messages).where(eq(messages.campaignRunId, testRun.id));
    // Every B message opened by a person, no A message.
    for (const m of sent.filter((m) => m.variant === "B"))
      await recordTrackingEvent({
        ctx: { db: h.handle.db, now: () => new Date() },
        input: {
          messageId: m.id,
          kind: "open",
          source: "ours",
          userAgent: BROWSER,
          occurredAt: new Date(Date.now() + 10 * 60_000),
        },
      });
    const results = await getAbTestResults({ ctx: ws.ctx(), input: { id: campaign.id } });
    const a = results.variants.find((v) => v.key === "A")!;
    const b = results.variants.find((v) => v.key === "B")!;
    expect(a.sent + b.sent).toBe(sent.length);
    expect(b.opened).toBe(b.sent);
    expect(a.opened).toBe(0);
    expect(b.rates.opened).toBe(1);
    expect(results.significance).toMatchObject({
      test: "two_proportion_z",
      metric: "opened",
      significant: true,
      leader: "B",
    });
    expect(results.significance!.pValue).toBeLessThan(0.05);
    expect(results.significance!.ci95![0]).toBeGreaterThan(0);
    // The campaign report carries the same per-variant metrics and p-value.
    const report = await getCampaignReport({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(report.abTest).toEqual(results);
    // The engagement roll-up is kept per variant too.
    const engagement = await getCampaignEngagement({ ctx: ws.ctx(), input: { id: campaign.id } });
    const perVariant = engagement.runs.filter((r) => r.runId === testRun.id);
    expect(perVariant.map((r) => r.variant)).toEqual(["A", "B"]);
    expect(perVariant.find((r) => r.variant === "B")!.opens.unique).toBe(b.sent);
    expect(perVariant.find((r) => r.variant === "A")!.opens.unique).toBe(0);
    expect(perVariant.reduce((n, r) => n + r.delivered, 0)).toBe(sent.length);
    expect(results.decideAfter).toBe(new Date(testRun.frozenAt!.getTime() + 2 * 3_600_000).toISOString());

    // Before the wait is over: nothing.
    expect(await decide(campaign.id, at(testRun.frozenAt!, 1.5))).toEqual([]);
    // After it: decided, one remainder run; a retried decision (and the scheduler) starts no second one.
    const first = { runIds: await decide(campaign.id, at(testRun.frozenAt!, 2.1)) };
    expect(first.runIds).toHaveLength(1);
    expect(await decide(campaign.id, at(testRun.frozenAt!, 2.2))).toEqual([]);
    const scheduled = await runCampaignScheduler({ ctx: { db: h.handle.db, now: at(testRun.frozenAt!, 2.3) } });
    expect(scheduled.due.map((d) => d.runId)).toContain(first.runIds[0]);
    expect(await remainderOf(campaign.id)).toHaveLength(1);

    const decided = await getAbTestResults({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(decided).toMatchObject({ status: "winner_chosen", winner: "B", remainderRunId: first.runIds[0] });
    expect(decided.variants.find((v) => v.key === "B")!.isWinner).toBe(true);

    await sendAll(first.runIds[0]!, at(testRun.frozenAt!, 2.4));
    const rest = await recipientsOf(first.runIds[0]!);
    const testGroup = new Set((await recipientsOf(testRun.id)).map((r) => r.contactId));
    expect(new Set(rest.map((r) => r.contactId))).toEqual(new Set(contacts.filter((c) => !testGroup.has(c))));
    expect(rest.every((r) => r.variant === "B")).toBe(true);
    const all = await h.handle.db.select().from(messages).where(eq(messages.campaignId, campaign.id));
    expect(all).toHaveLength(contacts.length);
    expect(new Set(all.map((m) => m.contactId)).size).toBe(contacts.length);
    const restMessages = all.filter((m) => m.campaignRunId === first.runIds[0]);
    expect(restMessages.every((m) => decryptField(m.subjectCiphertext, "subject") === "Subject B")).toBe(true);

    const [notice] = await h.handle.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.workspaceId, ws.id), eq(notifications.kind, "ab_test_winner")));
    expect(notice?.body).toContain("Variant B won");
    const audits = await h.handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, campaign.id), eq(auditLog.action, "campaign.ab_test_decided")));
    expect(audits).toHaveLength(1);
  });

  it("no significant difference: the default variant goes to the rest", async () => {
    const { ws, campaign, testRun } = await testedCampaign(30, "B");
    const first = { runIds: await decide(campaign.id, at(testRun.frozenAt!, 3)) };
    expect(first.runIds).toHaveLength(1);
    const results = await getAbTestResults({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(results).toMatchObject({ status: "no_difference", winner: "B" });
    expect(results.significance).toMatchObject({ significant: false, leader: null, pValue: 1 });
    await drive(first.runIds[0]!, at(testRun.frozenAt!, 3.1));
    const rest = await recipientsOf(first.runIds[0]!);
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.every((r) => r.variant === "B")).toBe(true);
  });

  it("a manual choice starts the rest at once (overridden), may change until the rest starts, and the automatic decision then does nothing", async () => {
    const { ws, campaign, testRun } = await testedCampaign(20);
    const chosen = await chooseAbVariant({ ctx: ws.ctx(), input: { id: campaign.id, variant: "A" } });
    expect(chosen.results).toMatchObject({ status: "overridden", winner: "A" });
    expect(chosen.runIds).toHaveLength(1);
    // The same choice again changes nothing; another one before the rest freezes changes the variant.
    expect((await chooseAbVariant({ ctx: ws.ctx(), input: { id: campaign.id, variant: "A" } })).runIds).toEqual([]);
    const changed = await chooseAbVariant({ ctx: ws.ctx(), input: { id: campaign.id, variant: "B" } });
    expect(changed).toMatchObject({ runIds: [], results: { winner: "B", status: "overridden" } });
    expect(await decide(campaign.id, at(testRun.frozenAt!, 5))).toEqual([]);
    await drive(chosen.runIds[0]!, at(testRun.frozenAt!, 5.1));
    expect((await recipientsOf(chosen.runIds[0]!)).every((r) => r.variant === "B")).toBe(true);
    await expect(chooseAbVariant({ ctx: ws.ctx(), input: { id: campaign.id, variant: "A" } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await remainderOf(campaign.id)).toHaveLength(1);
  });

  it("a campaign cancelled during the wait is not decided, and no variant can be chosen", async () => {
    const { ws, campaign, testRun } = await testedCampaign(10);
    const cancelled = await cancelCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(cancelled.status).toBe("cancelled");
    expect(await decide(campaign.id, at(testRun.frozenAt!, 10))).toEqual([]);
    await expect(chooseAbVariant({ ctx: ws.ctx(), input: { id: campaign.id, variant: "B" } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await remainderOf(campaign.id)).toHaveLength(0);
  });

  it("refuses what does not fit, changing nothing: metrics of the other channel, a template campaign's content variants, a non-draft, a recurring schedule, a choice before the test", async () => {
    const ws = await workspace();
    await people(ws.id, 2, "sms");
    const sms = await createCampaign({
      ctx: ws.ctx(),
      input: { name: "Texts", channel: "sms", topic: "news", content: { text: "Hi" } },
    });
    await expect(
      setCampaignAbTest({
        ctx: ws.ctx(),
        input: {
          id: sms.id,
          abTest: {
            ...settings(),
            variants: [
              { key: "A", content: { text: "One" } },
              { key: "B", content: { text: "Two" } },
            ],
          },
        },
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
    await expect(
      setCampaignAbTest({ ctx: ws.ctx(), input: { id: sms.id, abTest: { ...settings(), metric: "replied" } } }),
    ).rejects.toMatchObject({ code: "INVALID" });
    await expect(
      setCampaignAbTest({ ctx: ws.ctx(), input: { id: sms.id, abTest: { ...settings(), share: 80 } } }),
    ).rejects.toBeTruthy();
    await expect(
      setCampaignAbTest({
        ctx: ws.ctx(),
        input: { id: sms.id, abTest: { ...settings(), variants: [{ key: "B" }, { key: "A" }] } },
      }),
    ).rejects.toBeTruthy();
    const [row] = await h.handle.db.select().from(campaigns).where(eq(campaigns.id, sms.id));
    expect(row!.abTest).toBeNull();

    const ok = await setCampaignAbTest({
      ctx: ws.ctx(),
      input: {
        id: sms.id,
        abTest: {
          ...settings(),
          metric: "replied",
          variants: [
            { key: "A", content: { text: "One" } },
            { key: "B", content: { text: "Two" } },
          ],
        },
      },
    });
    expect(ok.settings?.metric).toBe("replied");
    await expect(chooseAbVariant({ ctx: ws.ctx(), input: { id: sms.id, variant: "A" } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(
      scheduleCampaign({ ctx: ws.ctx(), input: { id: sms.id, rrule: "FREQ=DAILY", timezone: "UTC" } }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await scheduleCampaign({
      ctx: ws.ctx(),
      input: { id: sms.id, at: new Date(Date.now() + 86_400_000).toISOString(), timezone: "UTC" },
    });
    await expect(setCampaignAbTest({ ctx: ws.ctx(), input: { id: sms.id, abTest: null } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const [run] = await h.handle.db.select().from(campaignRuns).where(eq(campaignRuns.campaignId, sms.id));
    expect(run!.kind).toBe("ab_test");
    const [count] = await h.handle.db
      .select({ n: sql<number>`count(*)::int` })
      .from(campaignRuns)
      .where(eq(campaignRuns.campaignId, sms.id));
    expect(Number(count!.n)).toBe(1);
  });

  it("REST: PUT and GET /campaigns/{id}/ab_test, POST /campaigns/{id}/choose_variant", async () => {
    const ws = await workspace();
    await people(ws.id, 4);
    const campaign = await createCampaign({
      ctx: ws.ctx(),
      input: { name: "Rest", channel: "email", topic: "news", content: { subject: "S", text: "T" } },
    });
    const { secret: key } = await createApiKeyFor(h.handle.db, ws.id, ["campaigns:read", "campaigns:write"]);
    const put = await rest("PUT", `/campaigns/${campaign.id}/ab_test`, { key, body: { abTest: settings() } });
    expect(put.status).toBe(200);
    const got = await rest("GET", `/campaigns/${campaign.id}/ab_test`, { key });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ status: "draft", settings: { share: 50, metric: "opened" } });
    const bad = await rest("POST", `/campaigns/${campaign.id}/choose_variant`, { key, body: { variant: "C" } });
    expect(bad.status).toBe(400);
    const early = await rest("POST", `/campaigns/${campaign.id}/choose_variant`, { key, body: { variant: "B" } });
    expect(early.status).toBe(409);
  });
});
