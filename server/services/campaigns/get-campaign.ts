import type { ServiceContext } from "../context";
import { findCampaign, toCampaign, topicKeyOf } from "./rows";
import { latestCountsOf } from "./runs";
import { ZGetCampaignInput, type TCampaign, type TGetCampaignInput } from "./schemas";

/** One campaign of the workspace (NOT_FOUND otherwise), with its latest run's counts. */
export async function getCampaign({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TGetCampaignInput;
}): Promise<TCampaign> {
  const { id } = ZGetCampaignInput.parse(input);
  const row = await findCampaign(ctx.db, ctx.workspaceId, id);
  const [topicKey, counts] = await Promise.all([topicKeyOf(ctx.db, row), latestCountsOf(ctx.db, [row.id])]);
  return toCampaign(row, topicKey, counts.get(row.id));
}
