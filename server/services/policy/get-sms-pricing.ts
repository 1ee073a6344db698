import { eq } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { readSmsPricing, type SmsPricing } from "@/server/shared/sms-pricing";
import type { ServiceContext } from "../context";

/**
 * The workspace's SMS prices per segment (`settings.sms`): the default price and the prices per
 * destination country, as the dry run and the audience freeze use them (invalid stored entries
 * left out, a missing default is 0.0079 USD).
 */
export async function getSmsPricing({ ctx }: { ctx: ServiceContext }): Promise<SmsPricing> {
  const [row] = await ctx.db
    .select({ settings: workspaces.settings })
    .from(workspaces)
    .where(eq(workspaces.id, ctx.workspaceId));
  if (!row) throw notFound("Workspace");
  return readSmsPricing(row.settings);
}
