import { eq, sql } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { readWorkspaceProfile, type WorkspaceProfile } from "@/server/shared/workspace-profile";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, requireAccess, type ServiceContext } from "../context";
import { invalidateSendContext } from "../messages/send-context-cache";
import { ZUpdateWorkspaceProfileInput, type TUpdateWorkspaceProfileInput } from "./profile-schemas";

/**
 * Replaces the workspace's profile (sender name, reply-to, postal address, accent colour, logo
 * URL): only `settings.profile` is written (a JSON merge, so other settings survive). Admins and
 * owners (or a key with `admin`). Audited with before and after; takes effect on the next send.
 */
export async function updateWorkspaceProfile({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateWorkspaceProfileInput;
}): Promise<WorkspaceProfile> {
  requireAccess(ctx, { scope: "admin", role: "admin", what: "the workspace profile" });
  const values = ZUpdateWorkspaceProfileInput.parse(input) as WorkspaceProfile;
  const saved = await inTransaction(ctx.db, async (tx) => {
    const [before] = await tx
      .select({ settings: workspaces.settings })
      .from(workspaces)
      .where(eq(workspaces.id, ctx.workspaceId))
      .for("update");
    if (!before) throw notFound("Workspace");
    await tx
      .update(workspaces)
      .set({
        settings: sql`${workspaces.settings} || jsonb_build_object('profile', ${JSON.stringify(values)}::jsonb)`,
        updatedAt: ctx.now(),
      })
      .where(eq(workspaces.id, ctx.workspaceId));
    await writeAudit(tx, ctx, {
      action: "workspace.profile_updated",
      targetType: "workspace",
      targetId: ctx.workspaceId,
      before: { ...readWorkspaceProfile(before.settings) },
      after: { ...values },
    });
    return values;
  });
  invalidateSendContext(ctx.workspaceId);
  return saved;
}
