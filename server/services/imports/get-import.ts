import { and, eq } from "drizzle-orm";
import { imports } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { toImport } from "./rows";
import type { TImport } from "./schemas";

/** One import of this workspace with its progress counters (the UI polls this); another workspace's id → NOT_FOUND. */
export async function getImport({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<TImport> {
  const [row] = await ctx.db
    .select()
    .from(imports)
    .where(and(eq(imports.id, input.id), eq(imports.workspaceId, ctx.workspaceId)));
  if (!row) throw notFound("Import");
  return toImport(row, ctx.now());
}
