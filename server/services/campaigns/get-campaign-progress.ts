import { desc, eq, sql } from "drizzle-orm";
import { campaignEvents } from "@/db/schema";
import { resultRows } from "@/db/map-rows";
import type { ServiceContext } from "../context";
import { getProviderCircuits } from "../messages/get-provider-circuits";
import { findCampaign } from "./rows";
import { countRuns, latestRun, toRun } from "./runs";
import { ZCampaignActionInput, type TCampaignActionInput, type TCampaignProgress } from "./schemas";

/**
 * What the campaign page shows while it sends: the latest run with its counts, per-zone progress
 * of a local-time run, the hours a best-hour run chose (local hour → recipients), and the campaign's timeline (newest first). Three small statements plus
 * the counts; polled by the page every few seconds.
 */
export async function getCampaignProgress({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCampaignActionInput;
}): Promise<TCampaignProgress> {
  const { id } = ZCampaignActionInput.parse(input);
  const campaign = await findCampaign(ctx.db, ctx.workspaceId, id);
  const [run, timeline] = await Promise.all([
    latestRun(ctx.db, campaign.id),
    ctx.db
      .select()
      .from(campaignEvents)
      .where(eq(campaignEvents.campaignId, campaign.id))
      .orderBy(desc(campaignEvents.occurredAt), desc(campaignEvents.id))
      .limit(100),
  ]);
  const counts = run ? await countRuns(ctx.db, [run.id]) : new Map();
  const zones =
    run?.schedule?.type === "local"
      ? resultRows<{ zone: string; source: string; send_at: string | null; total: number; pending: number }>(
          await ctx.db.execute(sql`
            select zone, zone_source as source, min(send_at)::text as send_at, count(*)::int as total,
                   (count(*) filter (where status = 'pending'))::int as pending
              from campaign_recipients
             where run_id = ${run.id}::uuid and status <> 'blocked' and zone is not null
             group by zone, zone_source
             order by min(send_at) nulls first, zone
             limit 200`),
        ).map((z) => ({
          zone: z.zone,
          source: z.source,
          sendAt: z.send_at ? new Date(z.send_at) : null,
          total: Number(z.total),
          pending: Number(z.pending),
        }))
      : [];
  const hours =
    run?.schedule?.type === "best_hour"
      ? resultRows<{ hour: number; total: number; pending: number }>(
          await ctx.db.execute(sql`
            select extract(hour from send_at at time zone zone)::int as hour, count(*)::int as total,
                   (count(*) filter (where status = 'pending'))::int as pending
              from campaign_recipients
             where run_id = ${run.id}::uuid and status <> 'blocked' and zone is not null and send_at is not null
             group by 1
             order by 1`),
        ).map((row) => ({ hour: Number(row.hour), total: Number(row.total), pending: Number(row.pending) }))
      : [];
  const providerName = ctx.outbox?.transports[campaign.channel].name ?? campaign.channel;
  const circuit = (await getProviderCircuits({ ctx })).find((c) => c.provider === providerName);
  return {
    run: run ? toRun(run, counts.get(run.id)!) : null,
    provider: { name: providerName, state: circuit?.state ?? "closed", openUntil: circuit?.openUntil ?? null },
    zones,
    hours,
    timeline: timeline.map((e) => ({ type: e.type, runId: e.runId, detail: e.detail, occurredAt: e.occurredAt })),
  };
}
