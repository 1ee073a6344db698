import { eq } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { readMessagingSettings } from "@/server/shared/messaging-settings";
import { countryTimeZone } from "./recipient-timezone";
import type { MessagingSettings } from "./types";
import type { ServiceContext } from "../context";

/**
 * The workspace's effective messaging policy (stored values over defaults). Without a stored
 * zone the default follows the workspace's default region (a GB workspace starts on
 * Europe/London), else America/New_York.
 */
export async function getMessagingSettings({ ctx }: { ctx: ServiceContext }): Promise<MessagingSettings> {
  const [row] = await ctx.db
    .select({ settings: workspaces.settings, defaultRegion: workspaces.defaultRegion })
    .from(workspaces)
    .where(eq(workspaces.id, ctx.workspaceId));
  if (!row) throw notFound("Workspace");
  return readMessagingSettings(row.settings, countryTimeZone(row.defaultRegion));
}
