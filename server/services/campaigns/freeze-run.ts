import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import {
  campaignRecipients,
  campaigns,
  contacts,
  topics,
  type CampaignDryRunResult,
  type CampaignRow,
  type CampaignRunRow,
} from "@/db/schema";
import { estimateSmsCost, readSmsPricing } from "@/server/shared/sms-pricing";
import { lockClass } from "@/server/lib/advisory-locks";
import { logger } from "@/server/lib/logger";
import { inTransaction, type JobContext } from "../context";
import { abBucketSql, abVariantSql } from "./ab-assignment";
import { bestHourScheduleOf, bestHourVariant } from "./ab-send-time";
import { audienceWhere, classifiedAudienceCtes } from "./audience";
import { bestHourCtes, zonedCtes } from "./best-hour";
import { capSkippedContactsSql } from "./cap-skipped";
import { addCampaignEvent, countRuns, moveRun, runById, workspaceSettingsOf } from "./runs";
import { DEFAULT_DRIFT_TOLERANCE, drifted } from "./schedule-rules";

/** Serialises the work on one run (freeze, chunks, pause, cancel): `lockClass(RUN_LOCK, runId)`. */
export const RUN_LOCK = 0x4352_554e; // "CRUN"

/** What a run's job does next: wait until a time, go on with the next chunk, or stop (the run's status says why). */
export type RunStep =
  { state: "wait"; until: string } | { state: "more" } | { state: "done"; status: CampaignRunRow["status"] };

/**
 * Starts a run when its time has come: fixes its audience (the "freeze") in ONE statement and
 * moves it to `sending`. Re-reads the run first and does nothing unless it is still `scheduled`
 * (a paused, cancelled or rescheduled run stays as it is); before its time it answers `wait`.
 *
 * The freeze inserts a `campaign_recipients` row per audience member (`classifiedAudienceCtes`):
 * `pending`, or `blocked` with the reason (erased, invalid address, suppressed, no consent, opted
 * out, frequency cap). A local-time run also gives each one its send time: the wall-clock time on
 * the schedule's date in the contact's zone when Postgres knows it, else the zone of the phone
 * number's country, else the workspace's (`zone_source`: contact, phone, workspace, or fallback
 * for a zone that is set but unknown); where that time has passed at the freeze, the next day's
 * (or at once, `late: "send_now"`). A best-hour run gives each one the start of their best local
 * hour inside the schedule's window (`bestHourCtes`, the model of server/shared/send-time.ts, in
 * the same statement); so does the test run of a send-time A/B test for its best-hour variant's
 * members, in a window from the freeze (`ab-send-time.ts`), the fixed variant's due at once. A follow-up takes its parent's never-sent recipients; a cap
 * follow-up the campaign's cap-skipped recipients (`capSkippedContactsSql`), all pending (a
 * follow-up keeps each recipient's A/B test variant).
 *
 * The freeze's counts are compared with the campaign's reviewed dry run: when the audience, the
 * sendable count or (SMS) the estimated cost moved more than the tolerance (default 10%), the run
 * pauses for review (`drift`) instead of sending. The frozen cost is the dry run's function
 * (`estimateSmsCost`) over the frozen sendable recipients by their phone number's country (one
 * GROUP BY) at the workspace's prices now, with the reviewed dry run's segments per message: a
 * shift towards dearer countries, or a price changed since the review, is drift too.
 * Idempotent: a second call finds the run frozen.
 */
export async function freezeRun({ ctx, input }: { ctx: JobContext; input: { runId: string } }): Promise<RunStep> {
  const first = await runById(ctx.db, input.runId);
  if (!first) return { state: "done", status: "failed" };
  if (first.status === "sending") return { state: "more" };
  if (first.status !== "scheduled" && first.status !== "materialising") return { state: "done", status: first.status };
  const now = ctx.now();
  if (first.scheduledFor.getTime() > now.getTime()) return { state: "wait", until: first.scheduledFor.toISOString() };

  return inTransaction(ctx.db, async (tx): Promise<RunStep> => {
    await lockClass(tx, RUN_LOCK, first.id);
    const run = (await runById(tx, first.id))!;
    if (run.status === "sending") return { state: "more" };
    if (run.status !== "scheduled" && run.status !== "materialising") return { state: "done", status: run.status };
    const [campaign] = await tx.select().from(campaigns).where(eq(campaigns.id, run.campaignId));
    if (!campaign || campaign.status === "archived") {
      await moveRun(tx, { run, from: ["scheduled", "materialising"], to: "cancelled", reason: "archived", at: now });
      return { state: "done", status: "cancelled" };
    }
    const started = Date.now();
    const inserted = await insertRecipients(tx, campaign, run, now);
    const counts = (await countRuns(tx, [run.id])).get(run.id)!;
    const reviewed = campaign.lastDryRun;
    const sendable = counts.sendable ?? 0;
    const cost = await frozenSmsCost(tx, campaign, run, reviewed, sendable);
    const frozenDryRun: CampaignDryRunResult = {
      audience: counts.audience ?? 0,
      sendable,
      blocked: counts.blocked as Record<string, number>,
      deferred: 0,
      smsSegments: cost?.smsSegments ?? null,
      estimatedCost: cost?.estimatedCost ?? null,
      computedAt: now.toISOString(),
    };
    const tolerance = campaign.options.driftTolerance ?? DEFAULT_DRIFT_TOLERANCE;
    const reviewedCost = reviewed?.estimatedCost?.amount;
    const costDrift =
      reviewedCost !== undefined &&
      frozenDryRun.estimatedCost !== null &&
      drifted(reviewedCost, frozenDryRun.estimatedCost.amount, tolerance);
    const drift =
      run.kind === "once" &&
      reviewed != null &&
      (drifted(reviewed.audience, frozenDryRun.audience, tolerance) ||
        drifted(reviewed.sendable, frozenDryRun.sendable, tolerance) ||
        costDrift);
    await moveRun(tx, {
      run,
      from: ["scheduled", "materialising"],
      to: drift ? "paused" : "sending",
      reason: drift ? "drift" : null,
      at: now,
      set: { frozenAt: now, startedAt: now, frozenDryRun },
    });
    if (run.kind === "ab_test")
      await tx
        .update(campaigns)
        .set({ abTest: sql`jsonb_set(${campaigns.abTest}, '{status}', '"testing"')`, updatedAt: now })
        .where(and(eq(campaigns.id, run.campaignId), sql`${campaigns.abTest}->>'status' = 'draft'`));
    await addCampaignEvent(tx, {
      workspaceId: run.workspaceId,
      campaignId: run.campaignId,
      runId: run.id,
      type: drift ? "paused" : "started",
      detail: {
        audience: frozenDryRun.audience,
        sendable: frozenDryRun.sendable,
        blocked: frozenDryRun.blocked,
        ...(frozenDryRun.estimatedCost ? { estimatedCost: frozenDryRun.estimatedCost.amount } : {}),
        ...(drift
          ? {
              reason: "drift",
              reviewed: {
                audience: reviewed!.audience,
                sendable: reviewed!.sendable,
                ...(reviewedCost !== undefined ? { estimatedCost: reviewedCost } : {}),
              },
            }
          : {}),
      },
      at: now,
    });
    logger.info(
      { runId: run.id, campaignId: run.campaignId, recipients: inserted, ms: Date.now() - started },
      "campaign run frozen",
    );
    return drift ? { state: "done", status: "paused" } : { state: "more" };
  });
}

/**
 * The SMS cost of a frozen run, computed like the dry run's (`estimateSmsCost`): its sendable
 * recipients counted by their phone number's country in one GROUP BY, the workspace's prices now,
 * and the segments per message of the reviewed dry run (its segments ÷ its sendable). Null for
 * email, without a reviewed SMS estimate, or when the review had no one to send to.
 */
async function frozenSmsCost(
  tx: Queryable,
  campaign: CampaignRow,
  run: CampaignRunRow,
  reviewed: CampaignDryRunResult | null,
  sendable: number,
): Promise<Pick<CampaignDryRunResult, "smsSegments" | "estimatedCost"> | null> {
  if (campaign.channel !== "sms" || !reviewed?.estimatedCost || reviewed.smsSegments == null || reviewed.sendable <= 0)
    return null;
  const perMessage = Math.round(reviewed.smsSegments / reviewed.sendable);
  const rows = resultRows<{ country: string | null; n: number }>(
    await tx.execute(sql`
      select c.phone_country as country, count(*)::int as n
        from ${campaignRecipients} r
        join ${contacts} c on c.id = r.contact_id
       where r.run_id = ${run.id}::uuid and r.status <> 'blocked'
       group by 1`),
  );
  const { raw } = await workspaceSettingsOf(tx, campaign.workspaceId);
  const estimatedCost = estimateSmsCost(
    readSmsPricing(raw),
    rows.map((row) => ({ country: row.country ?? null, recipients: Number(row.n) })),
    perMessage,
  );
  return { smsSegments: perMessage * sendable, estimatedCost };
}

/** The freeze's one statement; answers the number of rows written. */
async function insertRecipients(tx: Queryable, campaign: CampaignRow, run: CampaignRunRow, now: Date): Promise<number> {
  if (run.kind === "follow_up" && run.parentRunId) {
    const result = await tx.execute(sql`
      insert into ${campaignRecipients} (run_id, contact_id, workspace_id, status, variant)
      select ${run.id}::uuid, r.contact_id, r.workspace_id, 'pending', r.variant
        from ${campaignRecipients} r
       where r.run_id = ${run.parentRunId}::uuid
         and (r.status in ('pending', 'cancelled', 'skipped')
              or (r.status = 'handed' and exists (
                    select 1 from messages m where m.id = r.message_id and m.status = 'failed' and m.reason = 'cancelled')))
      on conflict do nothing`);
    return rowCount(result);
  }
  if (run.kind === "cap_follow_up") {
    // The recipients a frequency cap skipped and no later run reached, all pending: each chunk's
    // policy decides again (the cap may have cleared; an opt-out since then blocks them).
    const result = await tx.execute(sql`
      insert into ${campaignRecipients} (run_id, contact_id, workspace_id, status)
      select ${run.id}::uuid, s.contact_id, ${campaign.workspaceId}::uuid, 'pending'
        from (${capSkippedContactsSql(campaign.workspaceId, campaign.id)}) s
       order by s.contact_id
      on conflict do nothing`);
    return rowCount(result);
  }
  const [topic] = await tx.select().from(topics).where(eq(topics.id, campaign.topicId));
  const { messaging } = await workspaceSettingsOf(tx, campaign.workspaceId);
  const where = await audienceWhere(tx, campaign, now);
  const ctes = classifiedAudienceCtes({
    row: campaign,
    where,
    topic: { id: topic!.id, key: topic!.key, kind: topic!.kind },
    settings: messaging,
    now,
  });
  const schedule = run.schedule;
  let zoneColumns: SQL = sql`null::timestamptz, null::text, null::text`;
  let zoneJoin: SQL = sql``;
  let extraCtes: SQL = sql``;
  if (schedule?.type === "local") {
    extraCtes = zonedCtes(sql`classified`, messaging.timezone);
    const onDate = sql`((${schedule.date}::date + ${schedule.localTime}::time) at time zone z.zone)`;
    const nextDay = sql`((${schedule.date}::date + 1 + ${schedule.localTime}::time) at time zone z.zone)`;
    const late = schedule.late === "send_now" ? sql`null::timestamptz` : nextDay;
    zoneColumns = sql`case when ${onDate} < ${now.toISOString()}::timestamptz then ${late} else ${onDate} end, z.zone, z.zone_source`;
    zoneJoin = sql`join zoned z on z.id = c.id`;
  }
  if (schedule?.type === "best_hour") {
    extraCtes = sql`${zonedCtes(sql`classified`, messaging.timezone)}${bestHourCtes({
      workspaceId: campaign.workspaceId,
      schedule,
      channel: campaign.channel,
      messaging,
      now,
    })}`;
    zoneColumns = sql`ch.send_at, ch.zone, ch.zone_source`;
    zoneJoin = sql`join chosen ch on ch.id = c.id`;
  }
  const ab = abTestSelection(campaign, run);
  const best = run.kind === "ab_test" ? bestHourVariant(campaign.abTest) : null;
  if (best && schedule?.type !== "local" && schedule?.type !== "best_hour") {
    // A send-time test: the best-hour variant's members get their best hour in a window from
    // now (the same model as a best-hour schedule); the fixed variant's are due at once.
    extraCtes = sql`${zonedCtes(sql`classified`, messaging.timezone)}${bestHourCtes({
      workspaceId: campaign.workspaceId,
      schedule: bestHourScheduleOf(best.sendTime, now, messaging.timezone),
      channel: campaign.channel,
      messaging,
      now,
    })}`;
    const isBest = sql`${ab.variant} = ${best.key}`;
    zoneColumns = sql`case when ${isBest} then ch.send_at end, case when ${isBest} then ch.zone end,
           case when ${isBest} then ch.zone_source end`;
    zoneJoin = sql`join chosen ch on ch.id = c.id`;
  }
  // In contact order: the primary key (run, contact), and the pending index too when there is no
  // send time, then grow at their right edge instead of touching a random leaf page for each row
  // (at a million rows the sort costs less than it saves; bench/fanout.ts), and the chunks read
  // them back in that order. No ON CONFLICT: the run's lock and status make this the run's only
  // insert and every contact comes once, so a per-row conflict check (a speculative insertion
  // each) would only cost time.
  const result = await tx.execute(sql`
    ${ctes}${extraCtes}
    insert into ${campaignRecipients} (run_id, contact_id, workspace_id, status, reason, send_at, zone, zone_source, variant)
    select ${run.id}::uuid, c.id, ${campaign.workspaceId}::uuid,
           case when c.reason is null then 'pending' else 'blocked' end, c.reason, ${zoneColumns}, ${ab.variant}
      from classified c ${zoneJoin}
     ${ab.where}
     order by c.id`);
  return rowCount(result);
}

/**
 * An A/B test's runs take part of the audience: the test run (`ab_test`) the members whose hash
 * bucket is below the test share, each with its variant by the hash (`ab-assignment.ts`); the
 * remainder run (`ab_remainder`) every member the test run did not have (whatever became of them
 * there), all with the chosen variant. Other runs: everyone, no variant.
 */
function abTestSelection(campaign: CampaignRow, run: CampaignRunRow): { where: SQL; variant: SQL } {
  const test = campaign.abTest;
  if (run.kind === "ab_test" && test) {
    return {
      where: sql`where ${abBucketSql(campaign.id, sql`c.id`)} < ${Math.round(test.share * 100)}`,
      variant: abVariantSql(campaign.id, sql`c.id`, test.variants.length),
    };
  }
  if (run.kind === "ab_remainder" && test && run.parentRunId) {
    return {
      where: sql`where not exists (select 1 from ${campaignRecipients} t where t.run_id = ${run.parentRunId}::uuid and t.contact_id = c.id)`,
      variant: sql`${test.winner ?? test.defaultVariant}::text`,
    };
  }
  return { where: sql``, variant: sql`null::text` };
}

function rowCount(result: unknown): number {
  const r = result as { count?: number; affectedRows?: number; rowCount?: number };
  return Number(r.count ?? r.affectedRows ?? r.rowCount ?? 0);
}

/** Pending recipients of a run (for tests and the scheduler). */
export async function pendingCount(db: Queryable, runId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(campaignRecipients)
    .where(and(eq(campaignRecipients.runId, runId), eq(campaignRecipients.status, "pending")));
  return Number(row?.n ?? 0);
}
