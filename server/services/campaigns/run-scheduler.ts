import { and, eq, inArray, isNotNull, lte, sql } from "drizzle-orm";
import { campaignRecipients, campaignRuns, campaigns } from "@/db/schema";
import { logger } from "@/server/lib/logger";
import { inTransaction, type JobContext } from "../context";
import { decideDueAbTests } from "./decide-ab-tests";
import { completeRunIfSettled } from "./deliver-run-chunk";
import { addCampaignEvent, syncCampaignStatus } from "./runs";
import { nextOccurrence } from "./schedule-rules";

/** A run not touched for this long (no chunk, no status change) gets a rescue job. */
const STALE_RUN_MS = 10 * 60 * 1000;
/** How far ahead of its time an occurrence's run is created (so its job can sleep until it). */
const OCCURRENCE_LEAD_MS = 5 * 60 * 1000;

/**
 * The campaign scheduler (every minute):
 * 1. Recurring campaigns whose next occurrence is near get that occurrence's run (unique per
 *    campaign and occurrence: two schedulers create it once) and their next occurrence computed
 *    from the rule; a paused or cancelled campaign gets none.
 * 2. Runs that are due (`scheduled` whose time has come, `sending` ones) are answered so the
 *    caller (the job) starts their jobs: the event id per run makes this a no-op for a run whose
 *    job is alive, and a rescue for one whose start was lost.
 * 3. `sending` runs with nothing pending and nothing in flight are completed.
 * Before 2, A/B tests whose wait is over are decided (`decideDueAbTests`): their remainder runs
 * are then among the due runs.
 */
export async function runCampaignScheduler({ ctx }: { ctx: JobContext }): Promise<{
  occurrences: string[];
  due: { runId: string; workspaceId: string; eventId: string }[];
  completed: number;
}> {
  const now = ctx.now();
  const occurrences: string[] = [];
  const recurring = await ctx.db
    .select()
    .from(campaigns)
    .where(
      and(
        isNotNull(campaigns.nextRunAt),
        lte(campaigns.nextRunAt, new Date(now.getTime() + OCCURRENCE_LEAD_MS)),
        inArray(campaigns.status, ["scheduled", "sending", "completed"]),
      ),
    )
    .limit(100);
  for (const campaign of recurring) {
    await inTransaction(ctx.db, async (tx) => {
      const [current] = await tx.select().from(campaigns).where(eq(campaigns.id, campaign.id)).for("update");
      if (!current?.nextRunAt || current.schedule?.type !== "recurring") return;
      const at = current.nextRunAt;
      const [run] = await tx
        .insert(campaignRuns)
        .values({
          workspaceId: current.workspaceId,
          campaignId: current.id,
          kind: "occurrence",
          occurrenceKey: at.toISOString(),
          status: "scheduled",
          scheduledFor: at,
          schedule: current.schedule,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .returning({ id: campaignRuns.id });
      const next = nextOccurrence(current.schedule, current.scheduleAnchor ?? current.createdAt, at);
      await tx.update(campaigns).set({ nextRunAt: next, updatedAt: now }).where(eq(campaigns.id, current.id));
      if (run) {
        occurrences.push(run.id);
        await addCampaignEvent(tx, {
          workspaceId: current.workspaceId,
          campaignId: current.id,
          runId: run.id,
          type: "occurrence",
          detail: { at: at.toISOString(), next: next?.toISOString() ?? null },
          at: now,
        });
      }
      await syncCampaignStatus(tx, current.id, now);
    });
  }

  // A/B tests whose wait is over: decided, and their remainder runs created (due now, started below).
  const decided = await decideDueAbTests({ ctx });
  const due = await ctx.db
    .select({
      runId: campaignRuns.id,
      workspaceId: campaignRuns.workspaceId,
      status: campaignRuns.status,
      updatedAt: campaignRuns.updatedAt,
    })
    .from(campaignRuns)
    .where(
      sql`${campaignRuns.status} in ('scheduled', 'materialising', 'sending') and ${campaignRuns.scheduledFor} <= ${new Date(now.getTime() + OCCURRENCE_LEAD_MS).toISOString()}::timestamptz`,
    )
    .limit(500);
  let completed = 0;
  for (const run of due.filter((r) => r.status === "sending")) {
    if (await completeRunIfSettled(ctx, run.runId, now)) completed++;
  }
  if (occurrences.length > 0 || completed > 0 || decided.runIds.length > 0)
    logger.info({ occurrences: occurrences.length, completed, abDecided: decided.runIds.length }, "campaign scheduler");
  const bucket = Math.floor(now.getTime() / STALE_RUN_MS);
  const staleSending = due
    .filter((r) => r.status === "sending" && r.updatedAt.getTime() < now.getTime() - STALE_RUN_MS)
    .map((r) => r.runId);
  // A stale sending run is rescued only when it has recipients due now (one waiting for a local time is asleep on purpose).
  const withDueWork = new Set(
    staleSending.length === 0
      ? []
      : (
          await ctx.db
            .selectDistinct({ runId: campaignRecipients.runId })
            .from(campaignRecipients)
            .where(
              and(
                inArray(campaignRecipients.runId, staleSending),
                eq(campaignRecipients.status, "pending"),
                sql`(${campaignRecipients.sendAt} is null or ${campaignRecipients.sendAt} <= ${now.toISOString()}::timestamptz)`,
              ),
            )
        ).map((r) => r.runId),
  );
  const stale = (r: (typeof due)[number]) =>
    r.updatedAt.getTime() < now.getTime() - STALE_RUN_MS && (r.status !== "sending" || withDueWork.has(r.runId));
  return {
    occurrences,
    due: due.map((r) => ({
      runId: r.runId,
      workspaceId: r.workspaceId,
      // The run's own event id: a no-op while its job lives; a stale run gets a rescue job (a twin is harmless).
      eventId: stale(r) ? `campaign-run-${r.runId}-rescue-${bucket}` : `campaign-run-${r.runId}`,
    })),
    completed,
  };
}
