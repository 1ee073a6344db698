import { and, desc, eq, ne, type SQL } from "drizzle-orm";
import { campaigns, topics } from "@/db/schema";
import type { ServiceContext } from "../context";
import { toCampaign } from "./rows";
import { latestCountsOf } from "./runs";
import { ZListCampaignsInput, type TCampaignList, type TListCampaignsInput } from "./schemas";

/** The workspace's campaigns, most recently changed first; archived ones only when asked (or filtered by status). */
export async function listCampaigns({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TListCampaignsInput;
}): Promise<TCampaignList> {
  const { status, channel, includeArchived } = ZListCampaignsInput.parse(input);
  const conditions: SQL[] = [eq(campaigns.workspaceId, ctx.workspaceId)];
  if (status) conditions.push(eq(campaigns.status, status));
  else if (!includeArchived) conditions.push(ne(campaigns.status, "archived"));
  if (channel) conditions.push(eq(campaigns.channel, channel));
  const rows = await ctx.db
    .select({ campaign: campaigns, topicKey: topics.key })
    .from(campaigns)
    .innerJoin(topics, eq(topics.id, campaigns.topicId))
    .where(and(...conditions))
    .orderBy(desc(campaigns.updatedAt), desc(campaigns.id))
    .limit(500);
  const counts = await latestCountsOf(
    ctx.db,
    rows.map((r) => r.campaign.id),
  );
  return { items: rows.map((r) => toCampaign(r.campaign, r.topicKey, counts.get(r.campaign.id))) };
}
