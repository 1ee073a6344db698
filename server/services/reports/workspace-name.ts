import { eq } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import type { ServiceContext } from "../context";

/** The workspace's display name, for a report's title block. */
export async function workspaceNameOf(ctx: ServiceContext): Promise<string> {
  const [row] = await ctx.db
    .select({ name: workspaces.name })
    .from(workspaces)
    .where(eq(workspaces.id, ctx.workspaceId));
  if (!row) throw notFound("Workspace");
  return row.name;
}
