import { eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { campaigns, messages, type CampaignRunRow } from "@/db/schema";
import { ACCEPTED_STATUSES, FAILED_STATUSES, type NotificationKind } from "@/server/shared/enums";
import { notify } from "../notifications/notify";

/** Run moves members hear about: the end of a run, and the pauses no member asked for. */
function kindOf(run: Pick<CampaignRunRow, "status" | "statusReason">): NotificationKind | null {
  if (run.status === "completed") return "campaign_completed";
  if (run.status === "failed") return "campaign_failed";
  if (run.status === "paused" && (run.statusReason === "errors" || run.statusReason === "drift"))
    return "campaign_paused";
  return null;
}

const list = (statuses: readonly string[]) =>
  sql.join(
    statuses.map((s) => sql`${s}`),
    sql`, `,
  );

/**
 * Notifies the workspace's members of a run that just moved (called by `moveRun`, in its
 * transaction): completed (with sent and failed counts), failed, or paused by the error policy or
 * for drift review. A member's own pause or cancel notifies nobody. The dedupe key names the run,
 * the status and the moment, so the same move notifies once and a later pause again.
 */
export async function notifyRunMoved(db: Queryable, run: CampaignRunRow, at: Date): Promise<void> {
  const kind = kindOf(run);
  if (!kind) return;
  const [campaign] = await db.select({ name: campaigns.name }).from(campaigns).where(eq(campaigns.id, run.campaignId));
  const name = campaign?.name ?? "A campaign";
  let title: string;
  let body: string;
  const data: Record<string, unknown> = { campaignId: run.campaignId, runId: run.id, reason: run.statusReason };
  if (kind === "campaign_completed") {
    const [counts] = resultRows<{ sent: number; failed: number }>(
      await db.execute(sql`
        select count(*) filter (where status::text in (${list(ACCEPTED_STATUSES)}))::int as sent,
               count(*) filter (where status::text in (${list(FAILED_STATUSES)}))::int as failed
          from ${messages} where campaign_run_id = ${run.id}::uuid`),
    );
    const sent = Number(counts?.sent ?? 0);
    const failed = Number(counts?.failed ?? 0);
    Object.assign(data, { sent, failed });
    title = `Campaign "${name}" completed`;
    body = `${sent.toLocaleString("en-US")} sent${failed > 0 ? `, ${failed.toLocaleString("en-US")} failed` : ""}.`;
  } else if (kind === "campaign_failed") {
    title = `Campaign "${name}" failed`;
    body =
      "The run stopped because of an error. Recipients not reached yet can be sent to later with “Send to the rest”.";
  } else if (run.statusReason === "drift") {
    title = `Campaign "${name}" paused for review`;
    body = "Its audience changed beyond the drift tolerance since it was reviewed. Review it and resume.";
  } else {
    title = `Campaign "${name}" paused: too many errors`;
    body = "Delivery errors reached the campaign's error policy. Check the failures, then resume or cancel.";
  }
  await notify({
    ctx: { db, now: () => at },
    input: {
      workspaceId: run.workspaceId,
      kind,
      title,
      body,
      link: `/campaigns/${run.campaignId}`,
      data,
      dedupeKey: `campaign-run:${run.id}:${run.status}:${at.toISOString()}`,
    },
  });
}

/**
 * The provider's circuit breaker holds a sending run (it waits and resumes by itself): members
 * hear of it once per run and UTC day, however often the job looks again.
 */
export async function notifyRunProviderPaused(
  db: Queryable,
  input: { run: CampaignRunRow; provider: string; until: Date; at: Date },
): Promise<void> {
  const { run, provider, until, at } = input;
  const [campaign] = await db.select({ name: campaigns.name }).from(campaigns).where(eq(campaigns.id, run.campaignId));
  await notify({
    ctx: { db, now: () => at },
    input: {
      workspaceId: run.workspaceId,
      kind: "campaign_provider_paused",
      title: `Campaign "${campaign?.name ?? "A campaign"}" is waiting for ${provider}`,
      body: `The provider keeps failing, so sending is on hold until ${until.toISOString().slice(11, 16)} UTC; the run then resumes by itself. Nothing is dropped.`,
      link: `/campaigns/${run.campaignId}`,
      data: { campaignId: run.campaignId, runId: run.id, provider, until: until.toISOString() },
      dedupeKey: `campaign-run:${run.id}:provider-paused:${at.toISOString().slice(0, 10)}`,
    },
  });
}
