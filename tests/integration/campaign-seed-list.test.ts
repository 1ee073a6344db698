import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, campaignEvents, messages, workspaces, type MessageRow } from "@/db/schema";
import { emailLookupKey } from "@/server/lib/addresses";
import { blindIndex } from "@/server/lib/crypto";
import { AppError } from "@/server/lib/errors";
import {
  advanceRun,
  cancelCampaign,
  createCampaign,
  getCampaign,
  getCampaignProgress,
  scheduleCampaign,
  sendCampaignToRest,
  type RunStep,
} from "@/server/services/campaigns";
import { suppressAddress } from "@/server/services/suppressions";
import { getSeedList, updateSeedList } from "@/server/services/workspaces";
import { createMember, createWorkspace, memberContext } from "@/tests/factories";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * The campaign seed list on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): the
 * setting (normalised, validated, admins only, masked for viewers, audited without addresses) and
 * the copies a run sends to it (once per run, whatever the retries; outside every run count).
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

async function workspace() {
  const ws = await createWorkspace(h.handle.db, { settings: NO_QUIET_HOURS });
  await h.topic("news", ["email", "sms"], "marketing", ws.id);
  const admin = await createMember(h.handle.db, ws.id, "admin");
  const marketer = await createMember(h.handle.db, ws.id, "marketer");
  const viewer = await createMember(h.handle.db, ws.id, "viewer");
  return {
    id: ws.id,
    admin: () => memberContext(h.handle.db, ws.id, admin.user.id, "admin"),
    marketer: () => memberContext(h.handle.db, ws.id, marketer.user.id, "marketer"),
    viewer: () => memberContext(h.handle.db, ws.id, viewer.user.id, "viewer"),
  };
}
type Workspace = Awaited<ReturnType<typeof workspace>>;

async function refusal(work: Promise<unknown>): Promise<AppError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("the seed list setting", () => {
  it("normalises emails and phones, keeps each address once, and answers them in order", async () => {
    const ws = await workspace();
    const saved = await updateSeedList({
      ctx: ws.admin(),
      input: { addresses: [" Inbox@Example.COM ", "(415) 555-0100", "inbox@example.com", "+44 20 7946 0958"] },
    });
    expect(saved.addresses).toEqual([
      { address: "Inbox@example.com", channel: "email" },
      { address: "+14155550100", channel: "sms" },
      { address: "+442079460958", channel: "sms" },
    ]);
    expect(saved.masked).toBe(false);
    expect((await getSeedList({ ctx: ws.marketer() })).addresses.map((a) => a.address)).toEqual([
      "Inbox@example.com",
      "+14155550100",
      "+442079460958",
    ]);
  });

  it("refuses a malformed address naming its position, more than 20, and anyone below admin", async () => {
    const ws = await workspace();
    const bad = await refusal(
      updateSeedList({ ctx: ws.admin(), input: { addresses: ["a@example.com", "not a phone"] } }),
    );
    expect(bad.code).toBe("INVALID");
    expect(bad.field).toBe("addresses.1");
    const email = await refusal(updateSeedList({ ctx: ws.admin(), input: { addresses: ["nobody@"] } }));
    expect(email.field).toBe("addresses.0");
    const many = Array.from({ length: 21 }, (_, i) => `seed${i}@example.com`);
    await expect(updateSeedList({ ctx: ws.admin(), input: { addresses: many } })).rejects.toThrow();
    const forbidden = await refusal(updateSeedList({ ctx: ws.marketer(), input: { addresses: ["a@example.com"] } }));
    expect(forbidden.code).toBe("FORBIDDEN");
    expect((await getSeedList({ ctx: ws.admin() })).addresses).toEqual([]);
  });

  it("is masked for viewers, audited with counts only, and leaves the other settings alone", async () => {
    const ws = await workspace();
    await updateSeedList({ ctx: ws.admin(), input: { addresses: ["qa-inbox@example.com", "+14155550100"] } });
    const seen = await getSeedList({ ctx: ws.viewer() });
    expect(seen.masked).toBe(true);
    expect(seen.addresses.map((a) => a.channel)).toEqual(["email", "sms"]);
    expect(JSON.stringify(seen)).not.toContain("qa-inbox");
    expect(JSON.stringify(seen)).not.toContain("5550100");

    const [audit] = await h.handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws.id), eq(auditLog.action, "workspace.seed_list_updated")));
    expect(audit!.after).toEqual({ emails: 1, phones: 1 });
    expect(JSON.stringify(audit)).not.toContain("qa-inbox");

    const [row] = await h.handle.db
      .select({ settings: workspaces.settings })
      .from(workspaces)
      .where(eq(workspaces.id, ws.id));
    const settings = row!.settings;
    expect(settings.messaging).toEqual(NO_QUIET_HOURS.messaging);
    expect(settings.campaigns).toEqual({ seedList: ["qa-inbox@example.com", "+14155550100"] });
  });
});

describe("seed copies of a campaign run", () => {
  const SEED = "qa-inbox@example.com";
  const SUPPRESSED_SEED = "bounced-inbox@example.com";

  async function seeded(ws: Workspace) {
    await updateSeedList({ ctx: ws.admin(), input: { addresses: [SEED, SUPPRESSED_SEED, "+14155550100"] } });
    await suppressAddress({
      ctx: ws.admin(),
      input: {
        channel: "email",
        addressHash: blindIndex(ws.id, "email", emailLookupKey(SUPPRESSED_SEED)),
        reason: "hard_bounce",
        source: "test",
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await h.contact({ email: uniqueEmail() }, ws.id);
      await h.optIn(id, "email", "news", ws.id);
      ids.push(id);
    }
    const campaign = await createCampaign({
      ctx: ws.marketer(),
      input: {
        name: "Spring news",
        channel: "email",
        topic: "news",
        content: { subject: "Spring", preheader: "What is new", text: "News for you" },
      },
    });
    return { ids, campaign };
  }

  const ctx = () => ({ db: h.handle.db, now: () => new Date(), outbox: h.outbox });
  const step = (runId: string, limit?: number) => advanceRun({ ctx: ctx(), input: { runId, limit } });
  async function drive(runId: string): Promise<RunStep> {
    let last: RunStep = { state: "more" };
    for (let i = 0; i < 20 && last.state === "more"; i++) last = await step(runId);
    return last;
  }
  const seedCopies = async (campaignId: string): Promise<MessageRow[]> =>
    h.handle.db
      .select()
      .from(messages)
      .where(and(eq(messages.campaignId, campaignId), sql`(${messages.options} ->> 'seed') = 'true'`));

  it("each seed of the channel gets one copy per run, even when the chunk is retried or runs twice; run counts leave them out", async () => {
    const ws = await workspace();
    const { campaign } = await seeded(ws);
    const { runIds } = await scheduleCampaign({ ctx: ws.marketer(), input: { id: campaign.id } });
    const runId = runIds[0]!;
    await step(runId); // freeze
    await step(runId, 1); // the first chunk: the seeds get their copy
    expect(await seedCopies(campaign.id)).toHaveLength(1);
    const marksOf = async () =>
      (await getCampaignProgress({ ctx: ws.marketer(), input: { id: campaign.id } })).timeline.filter(
        (e) => e.type === "seeded",
      );
    expect((await marksOf()).map((m) => m.detail)).toEqual([{ seeds: 2, queued: 1, suppressed: 1 }]);

    // A retried chunk that lost the `seeded` mark (a crash between the copies and the mark cannot
    // happen: they commit together, but the key alone must hold), and two jobs of the run at once.
    await h.handle.db
      .delete(campaignEvents)
      .where(and(eq(campaignEvents.runId, runId), eq(campaignEvents.type, "seeded")));
    await Promise.all([step(runId, 1), step(runId, 1)]);
    await h.settle();
    expect(await drive(runId)).toEqual({ state: "done", status: "completed" });
    await h.settle();

    const copies = await seedCopies(campaign.id);
    expect(copies).toHaveLength(1);
    const [copy] = copies;
    expect(copy).toMatchObject({ campaignId: campaign.id, campaignRunId: null, contactId: null, status: "sent" });
    expect(copy!.addressHash).toBe(blindIndex(ws.id, "email", emailLookupKey(SEED)));
    expect(copy!.idempotencyKey).toBe(`campaign-seed:${runId}:${copy!.addressHash}`);
    const delivered = h.resend.sent
      .flatMap((c) => [c.body].flat())
      .filter((e: { to: unknown }) => [e.to].flat().includes(SEED));
    expect(delivered).toHaveLength(1);
    expect(delivered[0].html).toContain("What is new");
    // The suppressed seed and the phone seed (an SMS seed, for SMS campaigns) got nothing.
    expect(
      h.resend.sent
        .flatMap((c) => [c.body].flat())
        .some((e: { to: unknown }) => [e.to].flat().includes(SUPPRESSED_SEED)),
    ).toBe(false);

    const after = await getCampaign({ ctx: ws.marketer(), input: { id: campaign.id } });
    expect(after.counts).toMatchObject({ audience: 3, sendable: 3, sent: 3, queued: 0, failed: 0 });
    const runMessages = await h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runId));
    expect(runMessages).toHaveLength(3);
    // One mark again: the two jobs took turns under the run's lock; the key kept the copy single.
    expect((await marksOf()).map((m) => m.detail)).toEqual([{ seeds: 2, queued: 0, suppressed: 1 }]);
  });

  it("another run of the campaign (send to the rest) sends the seeds another copy", async () => {
    const ws = await workspace();
    const { campaign } = await seeded(ws);
    const { runIds } = await scheduleCampaign({ ctx: ws.marketer(), input: { id: campaign.id } });
    await step(runIds[0]!);
    await step(runIds[0]!, 1);
    await cancelCampaign({ ctx: ws.marketer(), input: { id: campaign.id } });
    const rest = await sendCampaignToRest({ ctx: ws.marketer(), input: { id: campaign.id } });
    await drive(rest.runIds[0]!);
    await h.settle();
    const copies = await seedCopies(campaign.id);
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((c) => c.idempotencyKey))).toEqual(
      new Set([runIds[0]!, rest.runIds[0]!].map((run) => `campaign-seed:${run}:${copies[0]!.addressHash}`)),
    );
  });

  it("a workspace without seeds records no copy and no mark", async () => {
    const ws = await workspace();
    const id = await h.contact({ email: uniqueEmail() }, ws.id);
    await h.optIn(id, "email", "news", ws.id);
    const campaign = await createCampaign({
      ctx: ws.marketer(),
      input: { name: "Plain", channel: "email", topic: "news", content: { subject: "s", text: "t" } },
    });
    const { runIds } = await scheduleCampaign({ ctx: ws.marketer(), input: { id: campaign.id } });
    await drive(runIds[0]!);
    expect(await seedCopies(campaign.id)).toHaveLength(0);
    const marks = await h.handle.db
      .select()
      .from(campaignEvents)
      .where(and(eq(campaignEvents.runId, runIds[0]!), eq(campaignEvents.type, "seeded")));
    expect(marks).toHaveLength(0);
  });
});
