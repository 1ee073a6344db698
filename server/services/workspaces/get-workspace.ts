import { eq } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { toWorkspace } from "./rows";
import type { TWorkspace } from "./schemas";

export async function getWorkspace({ ctx }: { ctx: ServiceContext }): Promise<TWorkspace> {
  const [row] = await ctx.db.select().from(workspaces).where(eq(workspaces.id, ctx.workspaceId));
  if (!row) throw notFound("Workspace");
  return toWorkspace(row);
}
