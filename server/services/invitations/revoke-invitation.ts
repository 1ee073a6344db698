import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { invitations } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";

/** Revokes an open invitation. Idempotent. Audited. */
export async function revokeInvitation({ ctx, input }: { ctx: ServiceContext; input: { id: string } }) {
  const { id } = z.object({ id: z.uuid() }).parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const [row] = await tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.id, id), eq(invitations.workspaceId, ctx.workspaceId)));
    if (!row) throw notFound("Invitation");
    if (!row.revokedAt && !row.acceptedAt) {
      await tx.update(invitations).set({ revokedAt: ctx.now() }).where(eq(invitations.id, id));
      await writeAudit(tx, ctx, { action: "member.invitation_revoked", targetType: "invitation", targetId: id });
    }
    return { revoked: true as const };
  });
}
