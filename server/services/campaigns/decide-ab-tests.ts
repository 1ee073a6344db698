import { eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { campaignRuns, campaigns, type CampaignAbTest, type CampaignRow, type CampaignRunRow } from "@/db/schema";
import type { AbTestStatus, AbVariantKey } from "@/server/shared/enums";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type JobContext, type ServiceContext } from "../context";
import { notify } from "../notifications/notify";
import { abTestResultsOf, abTestRuns } from "./get-ab-test-results";
import { remainderSchedule, sendWindowHours } from "./ab-send-time";
import { addCampaignEvent, syncCampaignStatus, workspaceSettingsOf } from "./runs";

/**
 * Records the decision of a campaign's A/B test and creates its remainder run (`ab_remainder`,
 * due now, child of the test run; a send-time test's best-hour winner: at each recipient's best
 * hour in a window from now): the freeze gives it every audience member the test run did not
 * have, all with `winner`. In the caller's transaction, under the campaign's row lock; the
 * partial unique index `campaign_runs_ab_remainder_key` makes a second remainder impossible.
 * Notifies the workspace (`ab_test_winner`) and audits. Answers the new run's id.
 */
export async function startAbRemainder(
  tx: Queryable,
  ctx: Pick<ServiceContext, "workspaceId" | "actor" | "now">,
  input: {
    campaign: CampaignRow;
    testRun: CampaignRunRow;
    winner: AbVariantKey;
    status: AbTestStatus;
    pValue: number | null;
  },
): Promise<string | null> {
  const { campaign, testRun, winner, status, pValue } = input;
  const now = ctx.now();
  const decided: CampaignAbTest = {
    ...campaign.abTest!,
    status,
    winner,
    decidedAt: now.toISOString(),
    pValue,
  };
  await tx.update(campaigns).set({ abTest: decided, updatedAt: now }).where(eq(campaigns.id, campaign.id));
  const { messaging } = await workspaceSettingsOf(tx, campaign.workspaceId);
  const schedule = remainderSchedule(decided, winner, now, messaging.timezone);
  const [run] = await tx
    .insert(campaignRuns)
    .values({
      workspaceId: campaign.workspaceId,
      campaignId: campaign.id,
      kind: "ab_remainder",
      parentRunId: testRun.id,
      status: "scheduled",
      scheduledFor: now,
      schedule,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: campaignRuns.id });
  if (!run) return null;
  await addCampaignEvent(tx, {
    workspaceId: campaign.workspaceId,
    campaignId: campaign.id,
    runId: run.id,
    type: "ab_test_decided",
    detail: { winner, status, pValue, testRunId: testRun.id, schedule: schedule.type },
    at: now,
  });
  await syncCampaignStatus(tx, campaign.id, now);
  await writeAudit(tx, ctx, {
    action: "campaign.ab_test_decided",
    targetType: "campaign",
    targetId: campaign.id,
    before: { status: campaign.abTest!.status, winner: campaign.abTest!.winner ?? null },
    after: { status, winner, pValue, runId: run.id, schedule: schedule.type },
  });
  const name = campaign.name;
  const when = schedule.type === "best_hour" ? "at each recipient's best hour" : "now";
  const pText = pValue === null ? "" : ` (p = ${pValue.toFixed(3)})`;
  const body =
    status === "winner_chosen"
      ? `Variant ${winner} won${pText}: it goes to the rest of the audience ${when}.`
      : status === "no_difference"
        ? `No significant difference at 95%${pText}: variant ${winner} (the default) goes to the rest of the audience ${when}.`
        : `Variant ${winner} was chosen by hand: it goes to the rest of the audience ${when}.`;
  await notify({
    ctx: { db: tx, now: ctx.now },
    input: {
      workspaceId: campaign.workspaceId,
      kind: "ab_test_winner",
      title: `A/B test of "${name}" decided`,
      body,
      link: `/campaigns/${campaign.id}`,
      data: { campaignId: campaign.id, runId: run.id, winner, status, pValue },
      dedupeKey: `campaign-ab-test:${campaign.id}:decided`,
    },
  });
  return run.id;
}

/**
 * The automatic decisions (the campaign scheduler, every minute): each campaign (not cancelled
 * or archived) whose A/B test is `draft`/`testing`, whose test run is sending or completed and started at least the wait ago (a send-time test: the
 * best-hour window plus the wait, so the best-hour variant is sent before it is judged),
 * and which has no remainder run yet. Under the campaign's lock it re-checks, computes the
 * results and picks the best variant on the metric when p < 0.05 (`winner_chosen`), else the
 * default (`no_difference`), and starts the remainder. Idempotent: a second pass (or a retried
 * job) finds the test decided. Answers the remainder runs created (the scheduler starts them).
 */
export async function decideDueAbTests({ ctx }: { ctx: JobContext }): Promise<{ runIds: string[] }> {
  const now = ctx.now();
  const due = resultRows<{ id: string }>(
    await ctx.db.execute(sql`
      select c.id::text as id
        from ${campaigns} c
        join ${campaignRuns} r on r.campaign_id = c.id and r.kind = 'ab_test'
       where c.ab_test is not null and c.ab_test->>'status' in ('draft', 'testing')
         and c.status not in ('cancelled', 'archived')
         and r.status in ('sending', 'completed') and r.frozen_at is not null
         and r.frozen_at + (((c.ab_test->>'waitHours')::int + coalesce((
               select max((v->'sendTime'->>'windowHours')::int) from jsonb_array_elements(c.ab_test->'variants') v
                where v->'sendTime'->>'mode' = 'best_hour'), 0)) * interval '1 hour') <= ${now.toISOString()}::timestamptz
         and not exists (select 1 from ${campaignRuns} x where x.campaign_id = c.id and x.kind = 'ab_remainder')
       limit 50`),
  );
  const runIds: string[] = [];
  for (const { id } of due) {
    const runId = await inTransaction(ctx.db, async (tx) => {
      const [campaign] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for("update");
      const test = campaign?.abTest;
      if (!campaign || !test || (test.status !== "draft" && test.status !== "testing")) return null;
      if (campaign.status === "cancelled" || campaign.status === "archived") return null;
      const { test: testRun, remainder } = await abTestRuns(tx, campaign.id);
      if (!testRun?.frozenAt || remainder) return null;
      if (testRun.frozenAt.getTime() + (sendWindowHours(test) + test.waitHours) * 3_600_000 > now.getTime())
        return null;
      const results = await abTestResultsOf(tx, campaign);
      const leader = results.significance?.leader ?? null;
      return startAbRemainder(
        tx,
        { workspaceId: campaign.workspaceId, actor: { type: "system", job: "campaign-scheduler" }, now: ctx.now },
        {
          campaign,
          testRun,
          winner: leader ?? test.defaultVariant,
          status: leader ? "winner_chosen" : "no_difference",
          pValue: results.significance?.pValue ?? null,
        },
      );
    });
    if (runId) runIds.push(runId);
  }
  return { runIds };
}
