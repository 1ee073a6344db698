import { and, asc, eq, isNull } from "drizzle-orm";
import { topics } from "@/db/schema";
import type { ServiceContext } from "../context";
import { toTopic } from "./rows";
import type { TTopic } from "./schemas";

export async function listTopics({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input?: { includeArchived?: boolean };
}): Promise<TTopic[]> {
  const rows = await ctx.db
    .select()
    .from(topics)
    .where(and(eq(topics.workspaceId, ctx.workspaceId), input?.includeArchived ? undefined : isNull(topics.archivedAt)))
    .orderBy(asc(topics.createdAt), asc(topics.key));
  return rows.map(toTopic);
}
