import { and, eq, inArray } from "drizzle-orm";
import { campaignRuns, campaigns } from "@/db/schema";
import { conflict } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { isSendTimeTest } from "./ab-send-time";
import { checkContent, findCampaign } from "./rows";
import { addCampaignEvent, campaignView, syncCampaignStatus, workspaceSettingsOf } from "./runs";
import { nextOccurrence, planSchedule } from "./schedule-rules";
import { ZScheduleCampaignInput, type TCampaign, type TScheduleCampaignInput } from "./schemas";

/** What a schedule started: the campaign, and the runs a job should pick up now. */
export interface ScheduledCampaign {
  campaign: TCampaign;
  /** Runs created by this call; the caller asks the job system to start them (the scheduler would within a minute). */
  runIds: string[];
}

/**
 * Schedules a draft (or reschedules a scheduled campaign whose run has not started):
 * - `{}` sends now: one run, starting at once (the campaign answers `sending`);
 * - `{at, timezone}` once at that time; `{localTime, date?, late?}` at that wall-clock time in
 *   each recipient's zone (the run, and its audience freeze, starts when the earliest zone gets
 *   there); `{rrule, timezone}` recurring: the first occurrence is a run now, the next ones are
 *   created by the scheduler as they come (`campaigns.next_run_at`).
 * A reschedule cancels the runs that had not started (a run that fires re-reads its status and
 * does nothing). The content must be complete. Audited (`campaign.scheduled`).
 */
export async function scheduleCampaign({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TScheduleCampaignInput;
}): Promise<ScheduledCampaign> {
  const { id, ...request } = ZScheduleCampaignInput.parse(input);
  const now = ctx.now();
  const { messaging } = await workspaceSettingsOf(ctx.db, ctx.workspaceId);
  const { schedule, firstRunAt } = planSchedule(request, now, messaging.timezone);

  return inTransaction(ctx.db, async (tx) => {
    const row = await findCampaign(tx, ctx.workspaceId, id, { lock: true });
    if (row.status !== "draft" && row.status !== "scheduled")
      throw conflict(`Only a draft or a scheduled campaign can be scheduled; this one is ${row.status}`);
    if (!row.templateId && !row.content) throw conflict("Choose a template or write the content first");
    checkContent(row.channel, row.content);

    // Runs that have not started yet are replaced.
    const replaced = await tx
      .update(campaignRuns)
      .set({ status: "cancelled", statusReason: "rescheduled", completedAt: now, updatedAt: now })
      .where(and(eq(campaignRuns.campaignId, row.id), inArray(campaignRuns.status, ["scheduled"])))
      .returning({ id: campaignRuns.id });
    if (row.status === "scheduled" && replaced.length === 0 && !row.nextRunAt)
      throw conflict("This campaign has started sending: pause or cancel it instead");

    const recurring = schedule.type === "recurring";
    if (row.abTest && row.templateId && row.abTest.variants.some((v) => v.subject !== undefined || v.content))
      throw conflict("This campaign now uses a template: its A/B test's variants may change the sender name only");
    if (isSendTimeTest(row.abTest) && (schedule.type === "local" || schedule.type === "best_hour"))
      throw conflict("This campaign's A/B test compares a fixed time with the best hour: schedule it now or at a time");
    if (recurring && row.abTest)
      throw conflict("A campaign with an A/B test is sent once: remove the test to send it on a recurring schedule");
    const [run] = await tx
      .insert(campaignRuns)
      .values({
        workspaceId: ctx.workspaceId,
        campaignId: row.id,
        // With an A/B test the first run sends the test group only (its remainder follows the decision).
        kind: recurring ? "occurrence" : row.abTest ? "ab_test" : "once",
        occurrenceKey: recurring ? firstRunAt.toISOString() : null,
        // "Now" is already under way (the campaign answers `sending`); its job freezes the audience.
        status: schedule.type === "now" ? "materialising" : "scheduled",
        scheduledFor: firstRunAt,
        schedule,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    const nextRunAt = recurring ? nextOccurrence(schedule, now, firstRunAt) : null;
    await tx
      .update(campaigns)
      .set({ schedule, nextRunAt, scheduleAnchor: now, updatedAt: now })
      .where(eq(campaigns.id, row.id));
    await addCampaignEvent(tx, {
      workspaceId: ctx.workspaceId,
      campaignId: row.id,
      runId: run?.id ?? null,
      type: row.status === "scheduled" ? "rescheduled" : "scheduled",
      detail: { schedule: schedule.type, firstRunAt: firstRunAt.toISOString() },
      at: now,
    });
    await syncCampaignStatus(tx, row.id, now);
    await writeAudit(tx, ctx, {
      action: "campaign.scheduled",
      targetType: "campaign",
      targetId: row.id,
      before: { status: row.status, schedule: row.schedule ?? null },
      after: { schedule, firstRunAt: firstRunAt.toISOString() },
    });
    const updated = await findCampaign(tx, ctx.workspaceId, row.id);
    return { campaign: await campaignView(tx, updated), runIds: run ? [run.id] : [] };
  });
}
