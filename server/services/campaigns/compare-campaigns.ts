import { and, eq, inArray } from "drizzle-orm";
import { campaigns } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { getTrackingSettings } from "../tracking/get-tracking-settings";
import { reportFunnel } from "./get-campaign-report";
import { parseCompareIds, reportRates } from "./report-math";
import { reportRuns } from "./report-sections";
import { ZCompareCampaignsInput, type TCampaignComparison, type TCompareCampaignsInput } from "./schemas";

/**
 * Two to five campaigns side by side: each one's funnel and rates over every run, computed as its
 * report computes them, in the order asked. An id that is not one of the workspace's campaigns →
 * NOT_FOUND; fewer than two, more than five, repeats or malformed ids → INVALID.
 */
export async function compareCampaigns({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCompareCampaignsInput;
}): Promise<TCampaignComparison> {
  const ids = parseCompareIds(ZCompareCampaignsInput.parse(input).ids);
  const [rows, settings] = await Promise.all([
    ctx.db
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.workspaceId, ctx.workspaceId), inArray(campaigns.id, ids))),
    getTrackingSettings({ ctx }),
  ]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  if (ids.some((id) => !byId.has(id))) throw notFound("Campaign");
  const compared = await Promise.all(
    ids.map(async (id) => {
      const campaign = byId.get(id)!;
      const scope = {
        workspaceId: ctx.workspaceId,
        campaignId: id,
        runId: null,
        countMachine: settings.countMachineOpens,
      };
      const [funnel, runs] = await Promise.all([reportFunnel(ctx, scope), reportRuns(ctx.db, scope)]);
      return {
        campaignId: id,
        name: campaign.name,
        channel: campaign.channel,
        status: campaign.status,
        firstSentAt: runs.firstSentAt,
        funnel,
        rates: reportRates(funnel),
      };
    }),
  );
  return { campaigns: compared, countMachineOpens: settings.countMachineOpens };
}
