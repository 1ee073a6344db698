import { eq } from "drizzle-orm";
import { workspaceLogos } from "@/db/schema";
import type { PublicContext } from "../context";

/** The uploaded logo of a workspace, for its public URL; null when there is none (or the id is not a uuid). */
export async function getWorkspaceLogo({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: { workspaceId: string };
}): Promise<{ contentType: string; data: Buffer; sha256: string } | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.workspaceId)) return null;
  const [row] = await ctx.db
    .select({ contentType: workspaceLogos.contentType, data: workspaceLogos.data, sha256: workspaceLogos.sha256 })
    .from(workspaceLogos)
    .where(eq(workspaceLogos.workspaceId, input.workspaceId));
  return row ?? null;
}
