import { eq } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { maskPhone } from "@/server/lib/addresses";
import { notFound } from "@/server/lib/errors";
import { maskEmail } from "@/server/lib/logger";
import { readSeedList, seedChannelOf } from "@/server/shared/seed-list";
import { seesFullPii } from "../contacts/mask-contact";
import type { ServiceContext } from "../context";
import type { TSeedList } from "./seed-list-schemas";

/**
 * The workspace's seed list (Settings → General): the addresses that get a copy of every campaign
 * run. They are addresses like any other: masked for viewers, in full for marketers and up.
 */
export async function getSeedList({ ctx }: { ctx: ServiceContext }): Promise<TSeedList> {
  const [row] = await ctx.db
    .select({ settings: workspaces.settings })
    .from(workspaces)
    .where(eq(workspaces.id, ctx.workspaceId));
  if (!row) throw notFound("Workspace");
  const full = seesFullPii(ctx.actor);
  return {
    addresses: readSeedList(row.settings).map((address) => {
      const channel = seedChannelOf(address);
      const shown = full ? address : channel === "email" ? maskEmail(address) : maskPhone(address);
      return { address: shown, channel };
    }),
    masked: !full,
  };
}
