import { and, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import {
  campaignEvents,
  campaignRecipients,
  campaignRuns,
  campaigns,
  messages,
  type CampaignRow,
  type CampaignRunRow,
  type CampaignRunStatus,
  type CampaignStatus,
  workspaces,
} from "@/db/schema";
import { readMessagingSettings, type MessagingSettings } from "@/server/shared/messaging-settings";
import { countryTimeZone } from "../policy/recipient-timezone";
import { notFound } from "@/server/lib/errors";
import { ACCEPTED_STATUSES, FAILED_STATUSES, OPEN_CAMPAIGN_RUN_STATUSES } from "@/server/shared/enums";
import { notifyRunMoved } from "./notify-run";
import { toCampaign, topicKeyOf } from "./rows";
import type { TCampaign, TCampaignCounts, TCampaignRun } from "./schemas";

/** Run statuses in which the run still has work to do. */
export const ACTIVE_RUN_STATUSES: readonly CampaignRunStatus[] = OPEN_CAMPAIGN_RUN_STATUSES;

/** A message failed with this reason when its run was cancelled before it was handed over. */
export const CANCELLED_REASON = "cancelled";

/** One run of the workspace; another workspace's → NOT_FOUND. */
export async function findRun(db: Queryable, workspaceId: string, runId: string): Promise<CampaignRunRow> {
  const [run] = await db
    .select()
    .from(campaignRuns)
    .where(and(eq(campaignRuns.workspaceId, workspaceId), eq(campaignRuns.id, runId)));
  if (!run) throw notFound("Run");
  return run;
}

/** A run by id alone (jobs: the event names it), or undefined. */
export async function runById(db: Queryable, runId: string): Promise<CampaignRunRow | undefined> {
  const [run] = await db.select().from(campaignRuns).where(eq(campaignRuns.id, runId));
  return run;
}

/** The latest run of a campaign (by creation), or undefined. */
export async function latestRun(db: Queryable, campaignId: string): Promise<CampaignRunRow | undefined> {
  const [run] = await db
    .select()
    .from(campaignRuns)
    .where(eq(campaignRuns.campaignId, campaignId))
    .orderBy(desc(campaignRuns.createdAt), desc(campaignRuns.id))
    .limit(1);
  return run;
}

/** Appends to the campaign's timeline. */
export async function addCampaignEvent(
  db: Queryable,
  entry: {
    workspaceId: string;
    campaignId: string;
    runId?: string | null;
    type: string;
    detail?: Record<string, unknown>;
    at: Date;
  },
): Promise<void> {
  await db.insert(campaignEvents).values({
    workspaceId: entry.workspaceId,
    campaignId: entry.campaignId,
    runId: entry.runId ?? null,
    type: entry.type,
    detail: entry.detail ?? {},
    occurredAt: entry.at,
  });
}

/**
 * Moves a run to `status` when it is in one of `from` (fenced: a concurrent change wins), and the
 * campaign with it (`campaignStatusFor`), and notifies the members of an end or of a pause nobody
 * asked for (`notifyRunMoved`, same transaction). Returns the updated run, or undefined when the
 * run was not in `from`.
 */
export async function moveRun(
  db: Queryable,
  input: {
    run: CampaignRunRow;
    from: readonly CampaignRunStatus[];
    to: CampaignRunStatus;
    reason?: string | null;
    at: Date;
    set?: Partial<Pick<CampaignRunRow, "frozenAt" | "startedAt" | "completedAt" | "frozenDryRun">>;
  },
): Promise<CampaignRunRow | undefined> {
  const { run, from, to, at } = input;
  const [updated] = await db
    .update(campaignRuns)
    .set({
      status: to,
      statusReason: input.reason ?? null,
      updatedAt: at,
      ...(to === "completed" || to === "cancelled" || to === "failed" ? { completedAt: at } : {}),
      ...input.set,
    })
    .where(and(eq(campaignRuns.id, run.id), inArray(campaignRuns.status, [...from])))
    .returning();
  if (!updated) return undefined;
  await syncCampaignStatus(db, run.campaignId, at);
  await notifyRunMoved(db, updated, at);
  return updated;
}

/**
 * The campaign's status from its runs: sending when one is materialising or sending, paused when
 * one is paused, scheduled when one is waiting or a recurring occurrence is still to come, else
 * the latest run's end (completed, cancelled, failed). Archived and draft campaigns keep theirs.
 */
export async function syncCampaignStatus(db: Queryable, campaignId: string, at: Date): Promise<CampaignStatus> {
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  if (!campaign) throw notFound("Campaign");
  const runs = await db
    .select({ status: campaignRuns.status })
    .from(campaignRuns)
    .where(eq(campaignRuns.campaignId, campaignId))
    .orderBy(desc(campaignRuns.createdAt), desc(campaignRuns.id));
  const status = campaignStatusFor(
    campaign,
    runs.map((r) => r.status),
  );
  if (status !== campaign.status)
    await db.update(campaigns).set({ status, updatedAt: at }).where(eq(campaigns.id, campaignId));
  return status;
}

/**
 * Pure: the status a campaign shows for its runs' statuses (newest first). A campaign whose A/B
 * test group was sent and whose test is not decided yet is `scheduled`: the rest is still to come.
 */
export function campaignStatusFor(
  campaign: Pick<CampaignRow, "status" | "nextRunAt"> & { abTest?: CampaignRow["abTest"] },
  runStatuses: readonly CampaignRunStatus[],
): CampaignStatus {
  if (campaign.status === "archived") return "archived";
  if (runStatuses.length === 0) return campaign.nextRunAt ? "scheduled" : campaign.status;
  if (runStatuses.some((s) => s === "materialising" || s === "sending")) return "sending";
  if (runStatuses.includes("paused")) return "paused";
  if (runStatuses.includes("scheduled") || campaign.nextRunAt) return "scheduled";
  const abPending = campaign.abTest?.status === "draft" || campaign.abTest?.status === "testing";
  if (abPending && runStatuses[0] === "completed") return "scheduled";
  return runStatuses[0] as CampaignStatus;
}

const emptyCounts = (): TCampaignCounts => ({
  audience: 0,
  sendable: 0,
  queued: 0,
  deferred: 0,
  sent: 0,
  delivered: 0,
  failed: 0,
  cancelled: 0,
  skipped: 0,
  blocked: {},
});

/**
 * Counts of runs, in two statements whatever their number: the frozen recipients by status and
 * reason, and the runs' messages by status and reason (`messages_campaign_run_idx`). A recipient
 * is counted once: pending ones as queued, handed ones by their message's status.
 */
export async function countRuns(db: Queryable, runIds: string[]): Promise<Map<string, TCampaignCounts>> {
  const counts = new Map<string, TCampaignCounts>();
  if (runIds.length === 0) return counts;
  for (const id of runIds) counts.set(id, emptyCounts());
  const ids = sql.join(
    runIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const [recipientRows, messageRows] = await Promise.all([
    db.execute(sql`
      select run_id::text as run_id, status, reason, count(*)::int as n
        from ${campaignRecipients} where run_id in (${ids}) group by run_id, status, reason`),
    db.execute(sql`
      select campaign_run_id::text as run_id, status::text as status, reason, count(*)::int as n
        from ${messages} where campaign_run_id in (${ids}) group by campaign_run_id, status, reason`),
  ]);
  for (const r of resultRows<{ run_id: string; status: string; reason: string | null; n: number }>(recipientRows)) {
    const c = counts.get(r.run_id)!;
    const n = Number(r.n);
    c.audience! += n;
    if (r.status === "blocked") c.blocked[r.reason ?? "unknown"] = (c.blocked[r.reason ?? "unknown"] ?? 0) + n;
    else c.sendable! += n;
    if (r.status === "pending") c.queued! += n;
    if (r.status === "cancelled") c.cancelled! += n;
    if (r.status === "skipped") c.skipped! += n;
  }
  for (const r of resultRows<{ run_id: string; status: string; reason: string | null; n: number }>(messageRows)) {
    const c = counts.get(r.run_id)!;
    const n = Number(r.n);
    if (r.status === "blocked") c.blocked[r.reason ?? "unknown"] = (c.blocked[r.reason ?? "unknown"] ?? 0) + n;
    else if (r.status === "queued" || r.status === "sending") c.queued! += n;
    else if (r.status === "deferred") {
      c.queued! += n;
      c.deferred! += n;
    } else if ((ACCEPTED_STATUSES as readonly string[]).includes(r.status) || r.status === "complained") {
      c.sent! += n;
      if (r.status === "delivered") c.delivered! += n;
    } else if ((FAILED_STATUSES as readonly string[]).includes(r.status)) {
      if (r.reason === CANCELLED_REASON) c.cancelled! += n;
      else c.failed! += n;
    }
  }
  return counts;
}

export function toRun(run: CampaignRunRow, counts: TCampaignCounts): TCampaignRun {
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    statusReason: run.statusReason,
    parentRunId: run.parentRunId,
    scheduledFor: run.scheduledFor,
    frozenAt: run.frozenAt,
    startedAt: run.startedAt,
    completedAt: run.completedAt,
    counts,
  };
}

/** The latest run's counts of each campaign (campaigns without a run are absent). */
export async function latestCountsOf(db: Queryable, campaignIds: string[]): Promise<Map<string, TCampaignCounts>> {
  const found = new Map<string, TCampaignCounts>();
  if (campaignIds.length === 0) return found;
  const latest = await db
    .selectDistinctOn([campaignRuns.campaignId], { id: campaignRuns.id, campaignId: campaignRuns.campaignId })
    .from(campaignRuns)
    .where(inArray(campaignRuns.campaignId, campaignIds))
    .orderBy(campaignRuns.campaignId, desc(campaignRuns.createdAt), desc(campaignRuns.id));
  const counts = await countRuns(
    db,
    latest.map((r) => r.id),
  );
  for (const r of latest) found.set(r.campaignId, counts.get(r.id)!);
  return found;
}

/** The workspace's messaging settings (zone, quiet hours, caps) and raw settings, as the policy reads them. */
export async function workspaceSettingsOf(
  db: Queryable,
  workspaceId: string,
): Promise<{ messaging: MessagingSettings; raw: Record<string, unknown> }> {
  const [workspace] = await db
    .select({ settings: workspaces.settings, defaultRegion: workspaces.defaultRegion })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
  if (!workspace) throw notFound("Workspace");
  return {
    messaging: readMessagingSettings(workspace.settings, countryTimeZone(workspace.defaultRegion)),
    raw: workspace.settings,
  };
}

/** The campaign as answered, with its topic key and its latest run's counts. */
export async function campaignView(db: Queryable, row: CampaignRow): Promise<TCampaign> {
  const [topicKey, counts] = await Promise.all([topicKeyOf(db, row), latestCountsOf(db, [row.id])]);
  return toCampaign(row, topicKey, counts.get(row.id));
}

/** A list of statuses as SQL literals' parameters, for `status::text in (…)`. */
export function statusesSql(statuses: readonly string[]): SQL {
  return sql.join(
    statuses.map((s) => sql`${s}`),
    sql`, `,
  );
}
