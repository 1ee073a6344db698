import { eq } from "drizzle-orm";
import { workspaceLogos, workspaces } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { notFound } from "@/server/lib/errors";
import { readWorkspaceProfile, uploadedLogoPath } from "@/server/shared/workspace-profile";
import type { ServiceContext } from "../context";
import type { TWorkspaceProfileView } from "./profile-schemas";
import { workspaceFrom } from "./sender";

/** The workspace's sender, postal address and hosted-page brand, with the server defaults that apply when a field is unset. */
export async function getWorkspaceProfile({ ctx }: { ctx: ServiceContext }): Promise<TWorkspaceProfileView> {
  const [row] = await ctx.db
    .select({ settings: workspaces.settings, logoSha: workspaceLogos.sha256 })
    .from(workspaces)
    .leftJoin(workspaceLogos, eq(workspaceLogos.workspaceId, workspaces.id))
    .where(eq(workspaces.id, ctx.workspaceId));
  if (!row) throw notFound("Workspace");
  const profile = readWorkspaceProfile(row.settings);
  const env = getEnv();
  return {
    ...profile,
    uploadedLogoSrc: row.logoSha ? uploadedLogoPath(ctx.workspaceId, row.logoSha) : null,
    defaults: { from: env.EMAIL_FROM, postalAddress: env.POSTAL_ADDRESS?.trim() || null },
    from: workspaceFrom(profile),
  };
}
