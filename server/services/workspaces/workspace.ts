import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import { memberships, workspaces, type Role } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { invalidateSendContext } from "../messages/send-context-cache";

export const ZWorkspace = z.object({
  id: z.uuid().describe("Workspace id"),
  name: z.string().describe("Name of the workspace, also used as the brand in messages"),
  slug: z.string().describe("Short URL-safe name of the workspace, e.g. default"),
  defaultRegion: z.string().describe("ISO country used to read national phone numbers"),
  createdAt: z.date().describe("When the workspace was created (ISO 8601 UTC)"),
});
export type TWorkspace = z.infer<typeof ZWorkspace>;

export const ZUpdateWorkspaceInput = z.object({
  name: z.string().trim().min(1, "Name is required").max(100),
  defaultRegion: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, "Use a two-letter country code such as US or GB")
    .transform((v) => v.toUpperCase()),
});
export type TUpdateWorkspaceInput = z.infer<typeof ZUpdateWorkspaceInput>;

export function toWorkspace(row: typeof workspaces.$inferSelect): TWorkspace {
  return { id: row.id, name: row.name, slug: row.slug, defaultRegion: row.defaultRegion, createdAt: row.createdAt };
}

export async function getWorkspace({ ctx }: { ctx: ServiceContext }): Promise<TWorkspace> {
  const [row] = await ctx.db.select().from(workspaces).where(eq(workspaces.id, ctx.workspaceId));
  if (!row) throw notFound("Workspace");
  return toWorkspace(row);
}

/** Renames the workspace / changes its default region. Audited with before and after. */
export async function updateWorkspace({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateWorkspaceInput;
}): Promise<TWorkspace> {
  const values = ZUpdateWorkspaceInput.parse(input);
  const updated = await inTransaction(ctx.db, async (tx) => {
    const [before] = await tx.select().from(workspaces).where(eq(workspaces.id, ctx.workspaceId)).for("update");
    if (!before) throw notFound("Workspace");
    const [after] = await tx
      .update(workspaces)
      .set({ ...values, updatedAt: ctx.now() })
      .where(eq(workspaces.id, ctx.workspaceId))
      .returning();
    await writeAudit(tx, ctx, {
      action: "workspace.updated",
      targetType: "workspace",
      targetId: ctx.workspaceId,
      before: { name: before.name, defaultRegion: before.defaultRegion },
      after: { name: after!.name, defaultRegion: after!.defaultRegion },
    });
    return toWorkspace(after!);
  });
  invalidateSendContext(ctx.workspaceId);
  return updated;
}

/** The workspaces a user belongs to, oldest membership first (the first is the default choice). */
export async function listUserWorkspaces(
  db: Queryable,
  userId: string,
): Promise<{ workspaceId: string; name: string; role: Role }[]> {
  return db
    .select({ workspaceId: workspaces.id, name: workspaces.name, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt), asc(workspaces.name));
}
