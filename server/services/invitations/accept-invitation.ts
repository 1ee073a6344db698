import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { invitations, memberships, users } from "@/db/schema";
import { invalid, notFound } from "@/server/lib/errors";
import { hashPassword } from "@/server/lib/hashing";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type SystemContext } from "../context";
import { findOpenInvitation } from "./queries";

export const ZAcceptInvitationInput = z.object({
  token: z.string().min(10).max(200),
  name: z.string().trim().min(1, "Name is required").max(100).optional(),
  password: z.string().min(10, "Use at least 10 characters").max(200).optional(),
});

/**
 * Accepts an invitation: creates the account (name + password) when the address has none, or
 * adds the existing account to the workspace without touching its password. One use per token.
 */
export async function acceptInvitation({
  ctx,
  input,
}: {
  ctx: SystemContext;
  input: z.input<typeof ZAcceptInvitationInput>;
}): Promise<{ userId: string; workspaceId: string; email: string }> {
  const { token, name, password } = ZAcceptInvitationInput.parse(input);
  const passwordHash = password ? await hashPassword(password) : undefined;
  return inTransaction(ctx.db, async (tx) => {
    const found = await findOpenInvitation(tx, token, ctx.now());
    if (!found) throw notFound("Invitation");
    const invitation = found.invitation;
    // Claim the token first: a concurrent second accept finds it used.
    const claimed = await tx
      .update(invitations)
      .set({ acceptedAt: ctx.now() })
      .where(and(eq(invitations.id, invitation.id), isNull(invitations.acceptedAt)))
      .returning({ id: invitations.id });
    if (claimed.length === 0) throw notFound("Invitation");

    let [user] = await tx.select().from(users).where(eq(users.email, invitation.email));
    if (!user) {
      if (!passwordHash) throw invalid("Choose a password", "password");
      [user] = await tx
        .insert(users)
        .values({
          email: invitation.email,
          name: name ?? null,
          passwordHash,
          emailVerifiedAt: ctx.now(),
          createdAt: ctx.now(),
          updatedAt: ctx.now(),
        })
        .returning();
    }
    await tx
      .insert(memberships)
      .values({
        workspaceId: invitation.workspaceId,
        userId: user!.id,
        role: invitation.role,
        createdAt: ctx.now(),
        updatedAt: ctx.now(),
      })
      .onConflictDoNothing();
    await writeAudit(
      tx,
      { ...ctx, workspaceId: invitation.workspaceId, actor: { type: "user", userId: user!.id, role: invitation.role } },
      { action: "member.joined", targetType: "user", targetId: user!.id, after: { role: invitation.role } },
    );
    return { userId: user!.id, workspaceId: invitation.workspaceId, email: invitation.email };
  });
}
