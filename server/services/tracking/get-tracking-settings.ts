import { eq } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { readTrackingSettings, type TrackingSettings } from "@/server/shared/tracking-settings";
import type { ServiceContext } from "../context";

/** The workspace's tracking switches (stored values over the defaults: opens and clicks on, machine opens not counted). */
export async function getTrackingSettings({ ctx }: { ctx: ServiceContext }): Promise<TrackingSettings> {
  const [row] = await ctx.db
    .select({ settings: workspaces.settings })
    .from(workspaces)
    .where(eq(workspaces.id, ctx.workspaceId));
  if (!row) throw notFound("Workspace");
  return readTrackingSettings(row.settings);
}
