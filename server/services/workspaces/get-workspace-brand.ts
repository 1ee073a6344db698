import { eq } from "drizzle-orm";
import { workspaceLogos, workspaces } from "@/db/schema";
import { readableAccent, readWorkspaceProfile, uploadedLogoPath } from "@/server/shared/workspace-profile";
import type { PublicContext } from "../context";

/** What a hosted page (form, confirmation, preference center, unsubscribe) shows of its workspace. */
export interface WorkspaceBrand {
  workspaceId: string;
  name: string;
  /** The accent colour, darkened if needed so white text on it meets WCAG AA. */
  accentColor: string;
  /** The uploaded logo's URL on this origin, or the logo URL from settings; null: the name's initials. */
  logoSrc: string | null;
}

/** Null when the workspace does not exist (a hosted page then shows the product's own brand). */
export async function getWorkspaceBrand({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: { workspaceId: string };
}): Promise<WorkspaceBrand | null> {
  const [row] = await ctx.db
    .select({ id: workspaces.id, name: workspaces.name, settings: workspaces.settings, logoSha: workspaceLogos.sha256 })
    .from(workspaces)
    .leftJoin(workspaceLogos, eq(workspaceLogos.workspaceId, workspaces.id))
    .where(eq(workspaces.id, input.workspaceId));
  if (!row) return null;
  const profile = readWorkspaceProfile(row.settings);
  return {
    workspaceId: row.id,
    name: row.name,
    accentColor: readableAccent(profile.accentColor),
    logoSrc: row.logoSha ? uploadedLogoPath(row.id, row.logoSha) : profile.logoUrl,
  };
}
