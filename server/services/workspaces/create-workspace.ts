import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { memberships, workspaces } from "@/db/schema";
import { forbidden, invalid } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { hasScope, inTransaction, type ServiceContext } from "../context";
import { ensureDefaultTemplates } from "../templates/defaults";
import { ensureDefaultTopics } from "../topics/defaults";
import { toWorkspace } from "./rows";
import type { TWorkspace } from "./schemas";
import { ZUpdateWorkspaceInput } from "./update-workspace";

export const ZCreateWorkspaceInput = z.object({
  name: ZUpdateWorkspaceInput.shape.name.describe("Name of the new workspace, also its brand in messages"),
  defaultRegion: ZUpdateWorkspaceInput.shape.defaultRegion.describe(
    "ISO country used to read national phone numbers, e.g. US",
  ),
});
export type TCreateWorkspaceInput = z.input<typeof ZCreateWorkspaceInput>;

/** Lower-case ASCII words of the name joined by dashes, plus a random suffix (slugs are unique). */
function slugFor(name: string): string {
  const base = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `${base || "workspace"}-${randomBytes(3).toString("hex")}`;
}

/**
 * Creates a workspace with the default topics and system templates (what bootstrap gives the
 * first one), and says who owns it:
 * - a signed-in user (any role in their current workspace) becomes its only owner;
 * - an API key needs the `admin` scope. A key belongs to one workspace and to no person, so the
 *   new workspace's owners are the owners of the key's workspace; the key itself gets no access
 *   to the new workspace (it stays bound to its own).
 * Other actors are refused. Audited as `workspace.created` in the new workspace's chain, and for a
 * key also in the key's workspace (its owners gained a workspace). Not idempotent: every call
 * creates a workspace (a retried request makes a second one with another slug).
 */
export async function createWorkspace({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCreateWorkspaceInput;
}): Promise<TWorkspace> {
  const actor = ctx.actor;
  if (actor.type === "apiKey" && !hasScope(actor.scopes, "admin"))
    throw forbidden('Creating a workspace needs the "admin" scope');
  if (actor.type !== "user" && actor.type !== "apiKey")
    throw forbidden("Only a signed-in user or an admin API key can create a workspace");
  const values = ZCreateWorkspaceInput.parse(input);

  return inTransaction(ctx.db, async (tx) => {
    const now = ctx.now();
    const ownerIds =
      actor.type === "user"
        ? [actor.userId]
        : (
            await tx
              .select({ userId: memberships.userId })
              .from(memberships)
              .where(and(eq(memberships.workspaceId, ctx.workspaceId), eq(memberships.role, "owner")))
          ).map((m) => m.userId);
    if (ownerIds.length === 0) throw invalid("The key's workspace has no owner to own the new workspace");

    const [row] = await tx
      .insert(workspaces)
      .values({
        name: values.name,
        slug: slugFor(values.name),
        defaultRegion: values.defaultRegion,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const workspace = row!;
    await tx.insert(memberships).values(
      ownerIds.map((userId) => ({
        workspaceId: workspace.id,
        userId,
        role: "owner" as const,
        createdAt: now,
        updatedAt: now,
      })),
    );
    await ensureDefaultTopics(tx, workspace.id, now);
    await ensureDefaultTemplates(tx, workspace.id, ctx.now);

    const entry = {
      action: "workspace.created",
      targetType: "workspace",
      targetId: workspace.id,
      after: { name: workspace.name, defaultRegion: workspace.defaultRegion, ownerUserIds: ownerIds },
    };
    await writeAudit(tx, { ...ctx, workspaceId: workspace.id }, entry);
    if (actor.type === "apiKey") await writeAudit(tx, ctx, entry);
    return toWorkspace(workspace);
  });
}
