import { eq } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { readRetentionSettings, type RetentionSettings } from "@/server/shared/retention-settings";
import type { ServiceContext } from "../context";

/** The workspace's retention windows in days (stored values over the defaults; null: kept forever). */
export async function getRetentionSettings({ ctx }: { ctx: ServiceContext }): Promise<RetentionSettings> {
  const [row] = await ctx.db
    .select({ settings: workspaces.settings })
    .from(workspaces)
    .where(eq(workspaces.id, ctx.workspaceId));
  if (!row) throw notFound("Workspace");
  return readRetentionSettings(row.settings);
}
