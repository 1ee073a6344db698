import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignRecipients, campaignRuns, messages } from "@/db/schema";
import { fixedClock, type Clock } from "@/server/lib/clock";
import {
  advanceRun,
  createCampaign,
  dryRunCampaign,
  exportCampaignRecipientsCsv,
  listCampaignRecipients,
  listCampaignRuns,
  scheduleCampaign,
  sendCampaignToCapSkipped,
  updateCampaignOptions,
  type RunStep,
} from "@/server/services/campaigns";
import { sendWithConsent } from "@/server/services/messages";
import { POLICY_VERSION } from "@/server/services/policy/types";
import { createApiKeyFor, createMember, createWorkspace, memberContext } from "@/tests/factories";
import { rest } from "@/tests/helpers/http";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * Frequency caps and campaigns (PGlite, or PostgreSQL with TEST_DATABASE_URL): a legal notice's
 * messages (`ignoreFrequencyCaps`) neither stop at nor use up the caps, at the freeze (audience.ts)
 * and in the record step (decide); the recipients a cap skipped are listed (`reason` filter) and a
 * `cap_follow_up` run sends to them later, through the policy again. Fixed clocks throughout.
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

const HOUR = 3_600_000;
const at = (base: Date, hours: number) => new Date(base.getTime() + hours * HOUR);
/** Whole minutes a day ago: the REST call below (real clock) falls inside the scenario's day. */
const dayAgo = () => new Date(Math.floor(Date.now() / 60_000) * 60_000 - 24 * HOUR);

/** A fresh workspace with one cap (any channel, any topic): at most `max` marketing messages per `days`. */
async function workspace(cap: { max: number; days: number }) {
  const ws = await createWorkspace(h.handle.db, {
    settings: {
      messaging: { ...NO_QUIET_HOURS.messaging, frequencyCaps: [{ channel: "any", topicKey: null, ...cap }] },
    },
  });
  const member = await createMember(h.handle.db, ws.id, "admin");
  const ctx = (now: Clock) => ({ ...memberContext(h.handle.db, ws.id, member.user.id, "admin"), now });
  await h.topic("news", ["email", "sms"], "marketing", ws.id);
  return { id: ws.id, ctx, sending: (now: Clock) => ({ ...ctx(now), outbox: h.outbox }) };
}
type Ws = Awaited<ReturnType<typeof workspace>>;

async function people(workspaceId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await h.contact({ email: uniqueEmail() }, workspaceId);
    await h.optIn(id, "email", "news", workspaceId);
    ids.push(id);
  }
  return ids;
}

async function campaign(ws: Ws, now: Clock, legalNotice = false) {
  const created = await createCampaign({
    ctx: ws.ctx(now),
    input: {
      name: `Campaign ${Math.random().toString(36).slice(2, 7)}`,
      channel: "email",
      topic: "news",
      content: { subject: "Hello", text: "News for you" },
    },
  });
  if (legalNotice)
    await updateCampaignOptions({
      ctx: ws.ctx(now),
      input: { id: created.id, options: { ignoreFrequencyCaps: true } },
    });
  return created;
}

/** Runs the run's steps at `now` until it stops or has to wait. */
async function drive(runId: string, now: Clock): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < 50 && step.state === "more"; i++)
    step = await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId } });
  return step;
}

/** Schedules the campaign now (at `now`) and sends its run. */
async function send(ws: Ws, id: string, now: Clock): Promise<string> {
  const { runIds } = await scheduleCampaign({ ctx: ws.ctx(now), input: { id } });
  await drive(runIds[0]!, now);
  return runIds[0]!;
}

async function messagesOfRun(runId: string) {
  return h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runId));
}

const direct = (ws: Ws, now: Clock, contactId: string) =>
  sendWithConsent({
    ctx: ws.sending(now),
    input: { contactId, channel: "email", topic: "news", content: { subject: "Deal", text: "A deal" } },
  });

describe("legal notices and frequency caps", () => {
  it("a legal notice's messages do not count toward a later marketing campaign's cap; a normal campaign's do", async () => {
    const T0 = new Date("2026-05-04T09:00:00Z");
    const ws = await workspace({ max: 1, days: 7 });
    const ids = await people(ws.id, 3);

    // The legal notice reaches everyone, and its messages are marked as not counting.
    const notice = await campaign(ws, fixedClock(T0), true);
    const noticeRun = await send(ws, notice.id, fixedClock(T0));
    const noticeMessages = await messagesOfRun(noticeRun);
    expect(noticeMessages).toHaveLength(3);
    expect(noticeMessages.every((m) => m.status !== "blocked" && m.countsTowardCaps === false)).toBe(true);
    expect(noticeMessages.every((m) => m.policyVersion === POLICY_VERSION)).toBe(true);
    expect(POLICY_VERSION).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);

    // A marketing campaign an hour later: the dry run (set-based) and the run see no cap reached.
    const first = await campaign(ws, fixedClock(at(T0, 1)));
    const dry = await dryRunCampaign({ ctx: ws.ctx(fixedClock(at(T0, 1))), input: { id: first.id } });
    expect(dry).toMatchObject({ audience: 3, sendable: 3 });
    expect(dry.blocked).toEqual({});
    const firstRun = await send(ws, first.id, fixedClock(at(T0, 1)));
    const firstMessages = await messagesOfRun(firstRun);
    expect(
      firstMessages
        .filter((m) => m.status !== "blocked")
        .map((m) => m.contactId)
        .sort(),
    ).toEqual([...ids].sort());
    expect(firstMessages.every((m) => m.countsTowardCaps === true)).toBe(true);

    // The marketing campaign's messages do count: a third campaign is capped at the freeze…
    const second = await campaign(ws, fixedClock(at(T0, 2)));
    const capped = await dryRunCampaign({ ctx: ws.ctx(fixedClock(at(T0, 2))), input: { id: second.id } });
    expect(capped).toMatchObject({ audience: 3, sendable: 0, blocked: { frequency_cap: 3 } });
    const secondRun = await send(ws, second.id, fixedClock(at(T0, 2)));
    const frozen = await h.handle.db
      .select({ status: campaignRecipients.status, reason: campaignRecipients.reason })
      .from(campaignRecipients)
      .where(eq(campaignRecipients.runId, secondRun));
    expect(frozen).toHaveLength(3);
    expect(frozen.every((r) => r.status === "blocked" && r.reason === "frequency_cap")).toBe(true);
    expect(await messagesOfRun(secondRun)).toHaveLength(0);

    // …and a direct send too (the record step's decision under the contact's lock).
    const capDirect = await direct(ws, fixedClock(at(T0, 3)), ids[0]!);
    expect(capDirect).toMatchObject({ status: "blocked", reason: "frequency_cap" });
    const decision = (await h.message(capDirect.messageId)).decision!;
    expect(decision.checks).toContain("frequency cap: 1 of 1 marketing messages on any channel in 7 days");
  });

  it("in the record step: a notice sent earlier does not use up the cap; a notice's own send ignores it", async () => {
    const T0 = new Date("2026-05-11T09:00:00Z");
    const ws = await workspace({ max: 1, days: 7 });
    const [a, b] = await people(ws.id, 2);
    const notice = await campaign(ws, fixedClock(T0), true);
    await send(ws, notice.id, fixedClock(T0));

    // A direct marketing send after the notice: 0 of 1 counted, so it goes.
    const afterNotice = await direct(ws, fixedClock(at(T0, 1)), a!);
    expect(afterNotice.status).toBe("queued");
    const checks = (await h.message(afterNotice.messageId)).decision!.checks;
    expect(checks).toContain("frequency cap: 0 of 1 marketing messages on any channel in 7 days");
    // That one counts: the next is capped.
    expect(await direct(ws, fixedClock(at(T0, 2)), a!)).toMatchObject({ status: "blocked", reason: "frequency_cap" });

    // A second notice to capped contacts still goes (it ignores caps) and uses none of b's cap.
    await direct(ws, fixedClock(at(T0, 3)), b!);
    const again = await campaign(ws, fixedClock(at(T0, 4)), true);
    const againRun = await send(ws, again.id, fixedClock(at(T0, 4)));
    const againMessages = await messagesOfRun(againRun);
    expect(againMessages).toHaveLength(2);
    expect(againMessages.every((m) => m.status !== "blocked" && !m.countsTowardCaps)).toBe(true);
    expect(againMessages.every((m) => m.decision!.checks.includes("frequency cap: ignored (legal notice)"))).toBe(true);
  });
});

describe("recipients skipped by a cap, sent by hand later", () => {
  it("lists them by reason, sends a follow-up to exactly those whose cap cleared, one open follow-up at a time", async () => {
    // Day 0: A and B get a message (their cap: 1 a day). An hour later the campaign freezes: A and
    // B are capped at the freeze; C gets a message right then, so its chunk is capped at send
    // time; D is sent. B opts out. A day later A's cap has cleared, C's not yet.
    const T0 = dayAgo();
    const T1 = at(T0, 1);
    const ws = await workspace({ max: 1, days: 1 });
    const [a, b, c, d] = await people(ws.id, 4);
    await direct(ws, fixedClock(T0), a!);
    await direct(ws, fixedClock(T0), b!);

    const promo = await campaign(ws, fixedClock(T1));
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(fixedClock(T1)), input: { id: promo.id } });
    const runId = runIds[0]!;
    const ctx = { db: h.handle.db, now: fixedClock(T1), outbox: h.outbox };
    expect(await advanceRun({ ctx, input: { runId } })).toEqual({ state: "more" }); // frozen
    await direct(ws, fixedClock(T1), c!);
    await drive(runId, fixedClock(T1));
    await h.settle();
    const sentToD = (await messagesOfRun(runId)).filter((m) => m.status !== "blocked");
    expect(sentToD.map((m) => m.contactId)).toEqual([d]);

    // Listed by reason: blocked at the freeze (A, B) and at send time (C).
    const list = (input: Record<string, unknown>) =>
      listCampaignRecipients({ ctx: ws.ctx(fixedClock(T1)), input: { id: promo.id, runId, ...input } });
    const capSkipped = await list({ reason: "frequency_cap" });
    expect(capSkipped.items.map((r) => r.contactId).sort()).toEqual([a, b, c].sort());
    expect(capSkipped.items.every((r) => r.outcome === "blocked" && r.reason === "frequency_cap")).toBe(true);
    expect((await list({ reason: "frequency_cap", outcome: "blocked" })).items).toHaveLength(3);
    expect((await list({ reason: "frequency_cap", outcome: "sent" })).items).toHaveLength(0);
    expect((await list({ reason: "opted_out" })).items).toHaveLength(0);
    await expect(list({ reason: "tired" })).rejects.toThrow();

    // The CSV takes the same filter; a bad one is refused before the first line.
    const lines: string[] = [];
    for await (const chunk of await exportCampaignRecipientsCsv({
      ctx: ws.ctx(fixedClock(T1)),
      input: { id: promo.id, runId, reason: "frequency_cap" },
    }))
      lines.push(...chunk.split("\r\n").filter(Boolean));
    expect(
      lines
        .slice(1)
        .map((line) => line.split(",")[0])
        .sort(),
    ).toEqual([a, b, c].sort());
    expect(lines.slice(1).every((line) => line.includes(",blocked,frequency_cap,"))).toBe(true);
    await expect(
      exportCampaignRecipientsCsv({ ctx: ws.ctx(fixedClock(T1)), input: { id: promo.id, reason: "tired" } }),
    ).rejects.toMatchObject({ code: "INVALID" });

    // Over REST: the filter, the runs list's count, the follow-up and its 409.
    const { secret: key } = await createApiKeyFor(h.handle.db, ws.id, ["campaigns:read", "campaigns:write"]);
    const restList = await rest("GET", `/campaigns/${promo.id}/recipients?reason=frequency_cap`, { key });
    expect(restList.status).toBe(200);
    expect((restList.body as { items: unknown[] }).items).toHaveLength(3);
    expect((await rest("GET", `/campaigns/${promo.id}/recipients?reason=tired`, { key })).status).toBe(400);
    const runs = await rest("GET", `/campaigns/${promo.id}/runs`, { key });
    expect((runs.body as { capSkipped: number }).capSkipped).toBe(3);

    await h.optOut(b!, "email", "news", ws.id, fixedClock(at(T0, 2)));

    const created = await rest("POST", `/campaigns/${promo.id}/send_to_cap_skipped`, { key, body: {} });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ id: promo.id });
    const [followUp] = await h.handle.db
      .select()
      .from(campaignRuns)
      .where(sql`${campaignRuns.campaignId} = ${promo.id}::uuid and ${campaignRuns.kind} = 'cap_follow_up'`);
    expect(followUp).toMatchObject({ status: "scheduled" });
    const audit = await h.handle.queryRows<{ after: Record<string, unknown> }>(
      `select after from audit_log where action = 'campaign.sent_to_cap_skipped' and target_id = '${promo.id}'`,
    );
    expect(audit.map((row) => row.after)).toEqual([{ runId: followUp!.id, recipients: 3 }]);

    // While it is open, a second one is refused (REST and service), and nothing is created.
    const twice = await rest("POST", `/campaigns/${promo.id}/send_to_cap_skipped`, { key, body: {} });
    expect(twice.status).toBe(409);
    await expect(
      sendCampaignToCapSkipped({ ctx: ws.ctx(fixedClock(at(T0, 24))), input: { id: promo.id } }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    const open = await h.handle.db.select().from(campaignRuns).where(eq(campaignRuns.campaignId, promo.id));
    expect(open).toHaveLength(2);

    // Sent a day after the first messages (T0 + 24 h 30 min): A's cap has cleared, C's (T1) not;
    // B opted out meanwhile. D is not in it.
    const F = fixedClock(at(T0, 24.5));
    await drive(followUp!.id, F);
    await h.settle();
    await drive(followUp!.id, F);
    const recipients = await h.handle.db
      .select({ contactId: campaignRecipients.contactId })
      .from(campaignRecipients)
      .where(eq(campaignRecipients.runId, followUp!.id));
    expect(recipients.map((r) => r.contactId).sort()).toEqual([a, b, c].sort());
    const outcome = new Map((await messagesOfRun(followUp!.id)).map((m) => [m.contactId, m]));
    expect(outcome.get(a!)).toMatchObject({ status: "sent" });
    expect(outcome.get(b!)).toMatchObject({ status: "blocked", reason: "opted_out" });
    expect(outcome.get(c!)).toMatchObject({ status: "blocked", reason: "frequency_cap" });
    const [done] = await h.handle.db.select().from(campaignRuns).where(eq(campaignRuns.id, followUp!.id));
    expect(done!.status).toBe("completed");

    // C is still cap-skipped (in the follow-up now); once its cap clears, a second follow-up sends to it alone.
    const after = await listCampaignRuns({ ctx: ws.ctx(F), input: { id: promo.id } });
    expect(after.capSkipped).toBe(1);
    expect(after.items.map((r) => r.kind)).toEqual(["cap_follow_up", "once"]);
    const G = fixedClock(at(T0, 26));
    const second = await sendCampaignToCapSkipped({ ctx: ws.ctx(G), input: { id: promo.id } });
    await drive(second.runIds[0]!, G);
    const secondMessages = await messagesOfRun(second.runIds[0]!);
    expect(secondMessages.map((m) => [m.contactId, m.status === "blocked" ? m.reason : "sent"])).toEqual([[c, "sent"]]);

    // Nobody is left: 409, nothing created.
    expect((await listCampaignRuns({ ctx: ws.ctx(G), input: { id: promo.id } })).capSkipped).toBe(0);
    await h.settle();
    await drive(second.runIds[0]!, G);
    await expect(
      sendCampaignToCapSkipped({ ctx: ws.ctx(fixedClock(at(T0, 27))), input: { id: promo.id } }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await h.handle.db.select().from(campaignRuns).where(eq(campaignRuns.campaignId, promo.id))).toHaveLength(3);
  });

  it("a draft campaign, or one whose recipients no cap skipped, answers 409; another workspace's 404", async () => {
    const ws = await workspace({ max: 5, days: 1 });
    await people(ws.id, 2);
    const now = fixedClock(new Date("2026-05-18T09:00:00Z"));
    const draft = await campaign(ws, now);
    await expect(sendCampaignToCapSkipped({ ctx: ws.ctx(now), input: { id: draft.id } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await send(ws, draft.id, now);
    await expect(sendCampaignToCapSkipped({ ctx: ws.ctx(now), input: { id: draft.id } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const other = await workspace({ max: 1, days: 1 });
    await expect(sendCampaignToCapSkipped({ ctx: other.ctx(now), input: { id: draft.id } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const { secret: key } = await createApiKeyFor(h.handle.db, ws.id, ["campaigns:read"]);
    expect((await rest("POST", `/campaigns/${draft.id}/send_to_cap_skipped`, { key, body: {} })).status).toBe(403);
  });
});
