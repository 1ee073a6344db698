import { desc, eq } from "drizzle-orm";
import { imports } from "@/db/schema";
import type { ServiceContext } from "../context";
import { toImport } from "./rows";
import { ZListImportsInput, type TImport } from "./schemas";

/** The workspace's imports, newest first. */
export async function listImports({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input?: { limit?: number };
}): Promise<TImport[]> {
  const { limit } = ZListImportsInput.parse(input) ?? { limit: 20 };
  const rows = await ctx.db
    .select()
    .from(imports)
    .where(eq(imports.workspaceId, ctx.workspaceId))
    .orderBy(desc(imports.createdAt))
    .limit(limit);
  return rows.map((row) => toImport(row, ctx.now()));
}
