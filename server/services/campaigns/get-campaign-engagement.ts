import { and, desc, eq, sql } from "drizzle-orm";
import { campaignEngagement, campaignRuns, type CampaignEngagementRow } from "@/db/schema";
import { resultRows } from "@/db/map-rows";
import { ACCEPTED_STATUSES } from "@/server/shared/enums";
import type { ServiceContext } from "../context";
import { decryptField } from "../messages/message-secrets";
import { getTrackingSettings } from "../tracking/get-tracking-settings";
import { findCampaign } from "./rows";
import { ZCampaignActionInput, type TCampaignActionInput, type TCampaignEngagement } from "./schemas";

type Counts = TCampaignEngagement["opens"];

/** "Delivered" for the rates: the provider accepted the message (and may have reported more). */
const DELIVERED = sql.raw(`(${[...ACCEPTED_STATUSES, "complained"].map((s) => `'${s}'`).join(", ")})`);

function counts(
  kind: "open" | "click",
  row: Pick<
    CampaignEngagementRow,
    | "uniqueOpens"
    | "totalOpens"
    | "uniqueMachineOpens"
    | "machineOpens"
    | "uniqueAnyOpens"
    | "uniqueClicks"
    | "totalClicks"
    | "uniqueMachineClicks"
    | "machineClicks"
    | "uniqueAnyClicks"
  >,
  delivered: number,
  countMachine: boolean,
): Counts {
  const [human, total, uniqueMachine, machine, any] =
    kind === "open"
      ? [row.uniqueOpens, row.totalOpens, row.uniqueMachineOpens, row.machineOpens, row.uniqueAnyOpens]
      : [row.uniqueClicks, row.totalClicks, row.uniqueMachineClicks, row.machineClicks, row.uniqueAnyClicks];
  const unique = countMachine ? any : human;
  return {
    unique,
    total: countMachine ? total + machine : total,
    machine,
    uniqueMachine,
    rate: delivered > 0 ? Math.min(1, unique / delivered) : null,
  };
}

const ZERO = {
  uniqueOpens: 0,
  totalOpens: 0,
  uniqueMachineOpens: 0,
  machineOpens: 0,
  uniqueAnyOpens: 0,
  uniqueClicks: 0,
  totalClicks: 0,
  uniqueMachineClicks: 0,
  machineClicks: 0,
  uniqueAnyClicks: 0,
  replies: 0,
};

/**
 * A campaign's engagement: opens, clicks and replies per run (from the `campaign_engagement`
 * roll-up) and in total, unique rates over delivered messages, machine events apart (counted in
 * the rates only when the workspace says so), and the most clicked links. Two round trips.
 */
export async function getCampaignEngagement({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCampaignActionInput;
}): Promise<TCampaignEngagement> {
  const { id } = ZCampaignActionInput.parse(input);
  const [campaign, settings] = await Promise.all([
    findCampaign(ctx.db, ctx.workspaceId, id),
    getTrackingSettings({ ctx }),
  ]);
  const [rollups, runs, deliveredRows, linkRows] = await Promise.all([
    ctx.db
      .select()
      .from(campaignEngagement)
      .where(and(eq(campaignEngagement.workspaceId, ctx.workspaceId), eq(campaignEngagement.campaignId, campaign.id))),
    ctx.db
      .select({ id: campaignRuns.id })
      .from(campaignRuns)
      .where(eq(campaignRuns.campaignId, campaign.id))
      .orderBy(desc(campaignRuns.createdAt)),
    ctx.db.execute(sql`
      select campaign_run_id as run_id, variant, count(*)::int as n
        from messages
       where campaign_id = ${campaign.id}::uuid and workspace_id = ${ctx.workspaceId}::uuid
         and campaign_run_id is not null and direction = 'outbound' and status in ${DELIVERED}
       group by campaign_run_id, variant`),
    ctx.db.execute(sql`
      select l.url_hash, min(l.url_ciphertext) as url_ciphertext,
             count(*)::int as total, count(distinct e.message_id)::int as uniq
        from tracking_events e
        join message_links l on l.id = e.link_id
        join messages m on m.id = e.message_id
       where e.workspace_id = ${ctx.workspaceId}::uuid and e.kind = 'click'
         and m.campaign_id = ${campaign.id}::uuid
         and (${settings.countMachineOpens}::boolean or not e.machine)
       group by l.url_hash
       order by uniq desc, total desc, l.url_hash
       limit 10`),
  ]);
  const countMachine = settings.countMachineOpens;
  // Delivered per run, and per run and A/B test variant (a variant's rates are over its own delivered).
  const deliveredOf = new Map<string, number>();
  const deliveredOfVariant = new Map<string, number>();
  for (const r of resultRows<{ run_id: string; variant: string | null; n: number }>(deliveredRows)) {
    const run = String(r.run_id);
    deliveredOf.set(run, (deliveredOf.get(run) ?? 0) + Number(r.n));
    deliveredOfVariant.set(`${run}:${r.variant ?? ""}`, Number(r.n));
  }
  const byRun = new Map<string, CampaignEngagementRow[]>();
  for (const row of rollups) byRun.set(row.runId, [...(byRun.get(row.runId) ?? []), row]);

  const total = { ...ZERO };
  let delivered = 0;
  const runRows: TCampaignEngagement["runs"] = [];
  for (const run of runs) {
    const runDelivered = deliveredOf.get(run.id) ?? 0;
    delivered += runDelivered;
    // One row per variant with a roll-up or a delivered message (null: the campaign's only content).
    const byVariant = new Map<string | null, Pick<CampaignEngagementRow, keyof typeof ZERO | "variant">>();
    for (const row of byRun.get(run.id) ?? []) byVariant.set(row.variant, row);
    for (const key of deliveredOfVariant.keys()) {
      if (!key.startsWith(`${run.id}:`)) continue;
      const variant = key.slice(run.id.length + 1) || null;
      if (!byVariant.has(variant)) byVariant.set(variant, { ...ZERO, variant });
    }
    const variants = [...byVariant.values()].sort((a, b) => (a.variant ?? "").localeCompare(b.variant ?? ""));
    for (const row of variants) {
      const rowDelivered = deliveredOfVariant.get(`${run.id}:${row.variant ?? ""}`) ?? 0;
      for (const key of Object.keys(ZERO) as (keyof typeof ZERO)[]) total[key] += row[key];
      runRows.push({
        runId: run.id,
        variant: row.variant,
        delivered: rowDelivered,
        opens: counts("open", row, rowDelivered, countMachine),
        clicks: counts("click", row, rowDelivered, countMachine),
        replies: row.replies,
      });
    }
  }
  return {
    campaignId: campaign.id,
    countMachineOpens: countMachine,
    delivered,
    opens: counts("open", total, delivered, countMachine),
    clicks: counts("click", total, delivered, countMachine),
    replies: total.replies,
    runs: runRows,
    topLinks: resultRows<{ url_ciphertext: string; total: number; uniq: number }>(linkRows).map((r) => ({
      url: decryptField(r.url_ciphertext, "link") ?? "",
      uniqueClicks: Number(r.uniq),
      totalClicks: Number(r.total),
    })),
  };
}
