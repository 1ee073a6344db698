import { and, desc, eq } from "drizzle-orm";
import { apiKeys } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { toApiKey } from "./create-api-key";
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

/** One key of this workspace; another workspace's id is NOT_FOUND, never FORBIDDEN. */
export async function getApiKey({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<TApiKey> {
  const [row] = await ctx.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, input.id), eq(apiKeys.workspaceId, ctx.workspaceId)));
  if (!row) throw notFound("API key");
  return toApiKey(row);
}
