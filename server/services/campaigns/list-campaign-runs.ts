import { desc, eq } from "drizzle-orm";
import { campaignRuns } from "@/db/schema";
import type { ServiceContext } from "../context";
import { findCampaign } from "./rows";
import { countRuns, toRun } from "./runs";
import { ZCampaignActionInput, type TCampaignActionInput, type TCampaignRunList } from "./schemas";

/** A campaign's runs (one-off send, recurring occurrences, follow-ups), newest first, with their counts (up to 100). */
export async function listCampaignRuns({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCampaignActionInput;
}): Promise<TCampaignRunList> {
  const { id } = ZCampaignActionInput.parse(input);
  const campaign = await findCampaign(ctx.db, ctx.workspaceId, id);
  const runs = await ctx.db
    .select()
    .from(campaignRuns)
    .where(eq(campaignRuns.campaignId, campaign.id))
    .orderBy(desc(campaignRuns.createdAt), desc(campaignRuns.id))
    .limit(100);
  const counts = await countRuns(
    ctx.db,
    runs.map((r) => r.id),
  );
  return { items: runs.map((run) => toRun(run, counts.get(run.id)!)) };
}
