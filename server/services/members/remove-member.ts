import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { memberships } from "@/db/schema";
import { AppError } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { assertMayManage } from "./access";
import { lockMembership, ownerCount } from "./queries";

export const ZRemoveMemberInput = z.object({ userId: z.uuid() });

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
    assertMayManage(ctx.actor, current.role);
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
