import { desc, eq } from "drizzle-orm";
import { campaignRuns } from "@/db/schema";
import type { ServiceContext } from "../context";
import { findCampaign } from "./rows";
import { countCapSkipped } from "./cap-skipped";
import { countRuns, toRun } from "./runs";
import { ZCampaignActionInput, type TCampaignActionInput, type TCampaignRunList } from "./schemas";

/**
 * A campaign's runs (one-off send, recurring occurrences, follow-ups), newest first, with their
 * counts (up to 100), and how many recipients are cap-skipped now (`countCapSkipped`).
 */
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
  const [counts, capSkipped] = await Promise.all([
    countRuns(
      ctx.db,
      runs.map((r) => r.id),
    ),
    countCapSkipped(ctx.db, ctx.workspaceId, campaign.id),
  ]);
  return { items: runs.map((run) => toRun(run, counts.get(run.id)!)), capSkipped };
}
