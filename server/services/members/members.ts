import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { memberships, ROLES, users, type Role } from "@/db/schema";
import { AppError, forbidden, notFound } from "@/server/lib/errors";
import type { Queryable } from "@/db/client";
import { writeAudit } from "../audit/write-audit";
import { hasRole, inTransaction, type ServiceContext } from "../context";

export const ZRole = z.enum(ROLES);

export const ZMember = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string().nullable(),
  role: ZRole,
  joinedAt: z.date(),
  lastSignInAt: z.date().nullable(),
});
export type TMember = z.infer<typeof ZMember>;

export const ZChangeMemberRoleInput = z.object({ userId: z.uuid(), role: ZRole });
export const ZRemoveMemberInput = z.object({ userId: z.uuid() });

export async function listMembers({ ctx }: { ctx: ServiceContext }): Promise<TMember[]> {
  return ctx.db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      joinedAt: memberships.createdAt,
      lastSignInAt: users.lastSignInAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.workspaceId, ctx.workspaceId))
    .orderBy(asc(memberships.createdAt));
}

/** Only owners hand out or take away ownership; admins manage everyone below owner. */
function assertMayManage(ctx: ServiceContext, targetRole: Role, newRole?: Role) {
  if (ctx.actor.type === "apiKey") return; // scope `admin` was checked by the procedure tier
  if (ctx.actor.type !== "user" || !hasRole(ctx.actor.role, "admin")) throw forbidden();
  if ((targetRole === "owner" || newRole === "owner") && ctx.actor.role !== "owner") {
    throw forbidden("Only an owner can grant or change the owner role");
  }
}

async function ownerCount(tx: Queryable, workspaceId: string): Promise<number> {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.role, "owner")));
  return row?.count ?? 0;
}

async function lockMembership(tx: Queryable, workspaceId: string, userId: string) {
  // Lock every owner row too, so two concurrent demotions cannot both see "another owner exists".
  await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.role, "owner")))
    .for("update");
  const [row] = await tx
    .select()
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)))
    .for("update");
  if (!row) throw notFound("Member");
  return row;
}

/** Changes a member's role. The last owner can never be demoted. Idempotent; audited when it changes. */
export async function changeMemberRole({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZChangeMemberRoleInput>;
}): Promise<TMember> {
  const { userId, role } = ZChangeMemberRoleInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const current = await lockMembership(tx, ctx.workspaceId, userId);
    assertMayManage(ctx, current.role, role);
    if (current.role !== role) {
      if (current.role === "owner" && (await ownerCount(tx, ctx.workspaceId)) <= 1) {
        throw new AppError("CONFLICT", "A workspace needs at least one owner");
      }
      await tx
        .update(memberships)
        .set({ role, updatedAt: ctx.now() })
        .where(and(eq(memberships.workspaceId, ctx.workspaceId), eq(memberships.userId, userId)));
      await writeAudit(tx, ctx, {
        action: "member.role_changed",
        targetType: "user",
        targetId: userId,
        before: { role: current.role },
        after: { role },
      });
    }
    const members = await listMembers({ ctx: { ...ctx, db: tx } });
    return members.find((m) => m.userId === userId)!;
  });
}

/** Removes a member from this workspace (the user account stays). The last owner cannot be removed. Audited. */
export async function removeMember({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZRemoveMemberInput>;
}): Promise<{ removed: true }> {
  const { userId } = ZRemoveMemberInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const current = await lockMembership(tx, ctx.workspaceId, userId);
    assertMayManage(ctx, current.role);
    if (current.role === "owner" && (await ownerCount(tx, ctx.workspaceId)) <= 1) {
      throw new AppError("CONFLICT", "A workspace needs at least one owner");
    }
    await tx
      .delete(memberships)
      .where(and(eq(memberships.workspaceId, ctx.workspaceId), eq(memberships.userId, userId)));
    await writeAudit(tx, ctx, {
      action: "member.removed",
      targetType: "user",
      targetId: userId,
      before: { role: current.role },
    });
    return { removed: true as const };
  });
}
