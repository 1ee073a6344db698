import { desc, eq } from "drizzle-orm";
import { suppressions } from "@/db/schema";
import type { ServiceContext } from "../context";

export async function listSuppressions({ ctx, input }: { ctx: ServiceContext; input: { limit?: number } }) {
  return ctx.db
    .select({
      id: suppressions.id,
      channel: suppressions.channel,
      reason: suppressions.reason,
      source: suppressions.source,
      createdAt: suppressions.createdAt,
    })
    .from(suppressions)
    .where(eq(suppressions.workspaceId, ctx.workspaceId))
    .orderBy(desc(suppressions.createdAt))
    .limit(Math.min(input.limit ?? 100, 500));
}
