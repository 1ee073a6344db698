import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { memberships } from "@/db/schema";
import { AppError } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { assertMayManage } from "./access";
import { listMembers } from "./list-members";
import { lockMembership, ownerCount } from "./queries";
import { ZRole, type TMember } from "./schemas";

export const ZChangeMemberRoleInput = z.object({ userId: z.uuid(), role: ZRole });

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
    assertMayManage(ctx.actor, current.role, role);
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
