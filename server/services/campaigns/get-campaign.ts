import type { ServiceContext } from "../context";
import { findCampaign, toCampaign, topicKeyOf } from "./rows";
import { ZGetCampaignInput, type TCampaign, type TGetCampaignInput } from "./schemas";

/** One campaign of the workspace (NOT_FOUND otherwise). */
export async function getCampaign({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TGetCampaignInput;
}): Promise<TCampaign> {
  const { id } = ZGetCampaignInput.parse(input);
  const row = await findCampaign(ctx.db, ctx.workspaceId, id);
  return toCampaign(row, await topicKeyOf(ctx.db, row));
}
