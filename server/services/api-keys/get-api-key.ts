import { and, eq } from "drizzle-orm";
import { apiKeys } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { toApiKey } from "./rows";
import type { TApiKey } from "./schemas";

/** One key of this workspace; another workspace's id is NOT_FOUND, never FORBIDDEN. */
export async function getApiKey({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<TApiKey> {
  const [row] = await ctx.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, input.id), eq(apiKeys.workspaceId, ctx.workspaceId)));
  if (!row) throw notFound("API key");
  return toApiKey(row);
}
