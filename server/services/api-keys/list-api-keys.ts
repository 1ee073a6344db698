import { desc, eq } from "drizzle-orm";
import { apiKeys } from "@/db/schema";
import type { ServiceContext } from "../context";
import { toApiKey } from "./rows";
import type { TApiKey } from "./schemas";

/** Every key of the workspace, newest first, revoked ones included (the UI greys them out). */
export async function listApiKeys({ ctx }: { ctx: ServiceContext }): Promise<TApiKey[]> {
  const rows = await ctx.db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.workspaceId, ctx.workspaceId))
    .orderBy(desc(apiKeys.createdAt));
  return rows.map(toApiKey);
}
