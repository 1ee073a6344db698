import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { invitations, memberships, users, workspaces } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { AppError } from "@/server/lib/errors";
import { randomToken, sha256Hex } from "@/server/lib/hashing";
import { ACCEPTED_STATUSES, isStatusIn } from "@/server/shared/enums";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type SendingContext } from "../context";
import { ZRole } from "../members/schemas";
import { deliverNow } from "../messages/deliver-now";
import { recordDirectMessages } from "../messages/record-direct-messages";
import { invitationEmail } from "./invitation-email";
import { toInvitation, type TInvitation } from "./rows";

/** Invitations are valid for 7 days; a new invite to the same address replaces the open one. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export const ZInviteMemberInput = z.object({
  email: z.email("Enter a valid email address").transform((v) => v.trim().toLowerCase()),
  role: ZRole,
});
export type TInviteMemberInput = z.input<typeof ZInviteMemberInput>;

/**
 * Creates an invitation and emails its link. Re-inviting an address revokes the previous open
 * invitation. Inviting as owner needs an owner. Audited.
 *
 * The email is a `system` message to the invitee (a member-to-be, not a contact: no consent, no
 * contact suppression list), recorded by the pipeline in the invitation's transaction and
 * delivered after commit by the outbox (retries, sweep, status webhooks; the Outbox shows it with
 * the log transport). Returns the one-time token (only its hash is stored; the message keeps the
 * link encrypted), the link, and what became of the email (`delivery`; `emailed` when a real
 * provider accepted it at once): the admin UI shows the link to share either way.
 */
export async function inviteMember({ ctx, input }: { ctx: SendingContext; input: TInviteMemberInput }): Promise<{
  invitation: TInvitation;
  token: string;
  inviteUrl: string;
  emailed: boolean;
  delivery: InvitationDelivery;
  messageId: string | null;
}> {
  const { email, role } = ZInviteMemberInput.parse(input);
  if (role === "owner" && !(ctx.actor.type === "user" && ctx.actor.role === "owner")) {
    throw new AppError("FORBIDDEN", "Only an owner can invite another owner");
  }
  const token = randomToken(32);
  const inviteUrl = `${getEnv().PUBLIC_URL}/invite/${token}`;
  const created = await inTransaction(ctx.db, async (tx) => {
    const [existingMember] = await tx
      .select({ userId: users.id })
      .from(users)
      .innerJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.workspaceId, ctx.workspaceId)))
      .where(eq(users.email, email));
    if (existingMember) throw new AppError("CONFLICT", "This person is already a member of the workspace");

    await tx
      .update(invitations)
      .set({ revokedAt: ctx.now() })
      .where(
        and(
          eq(invitations.workspaceId, ctx.workspaceId),
          eq(invitations.email, email),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
        ),
      );
    const [row] = await tx
      .insert(invitations)
      .values({
        workspaceId: ctx.workspaceId,
        email,
        role,
        tokenHash: sha256Hex(token),
        invitedByUserId: ctx.actor.type === "user" ? ctx.actor.userId : null,
        expiresAt: new Date(ctx.now().getTime() + INVITATION_TTL_MS),
        createdAt: ctx.now(),
      })
      .returning();

    const [[workspace], [inviter], [account]] = await Promise.all([
      tx.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, ctx.workspaceId)),
      ctx.actor.type === "user"
        ? tx.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, ctx.actor.userId))
        : Promise.resolve([]),
      tx.select({ id: users.id }).from(users).where(eq(users.email, email)),
    ]);
    const [messageId] = await recordDirectMessages({
      ctx: { db: tx, now: ctx.now },
      input: {
        delivery: "outbox",
        messages: [
          {
            workspaceId: ctx.workspaceId,
            channel: "email",
            kind: "system",
            purpose: "invitation",
            userId: account?.id ?? null,
            addressHash: null,
            address: email,
            fromAddress: getEnv().EMAIL_FROM,
            content: invitationEmail({
              inviteUrl,
              workspaceName: workspace?.name ?? "a workspace",
              inviterName: inviter ? (inviter.name ?? inviter.email) : "A workspace admin",
              role,
            }),
            checks: [
              "recipient: invited to the workspace (system message to a member, not a contact): consent and the contact suppression list do not apply",
            ],
            // Who may read the link in the Outbox: admins and owners at or above the invited role.
            options: { recipientRole: role, invitationId: row!.id },
            idempotencyKey: `invitation-${row!.id}`,
          },
        ],
      },
    });
    await writeAudit(tx, ctx, {
      action: "member.invited",
      targetType: "invitation",
      targetId: row!.id,
      after: { role, messageId: messageId ?? null },
    });
    return { invitation: toInvitation(row!), messageId: messageId ?? null };
  });
  const delivered = created.messageId
    ? (
        await deliverNow({
          ctx: { db: ctx.db, now: ctx.now, outbox: ctx.outbox },
          input: { messageIds: [created.messageId] },
        })
      ).get(created.messageId)
    : undefined;
  const accepted = Boolean(delivered && isStatusIn(ACCEPTED_STATUSES, delivered.status));
  const delivery: InvitationDelivery = accepted ? (delivered!.transport === "log" ? "log" : "emailed") : "retrying";
  return { ...created, token, inviteUrl, emailed: delivery === "emailed", delivery };
}

/**
 * What became of the invitation email on its first attempt: `emailed` (a provider accepted it),
 * `log` (no provider: recorded in the Outbox), `retrying` (the outbox retries it).
 */
export type InvitationDelivery = "emailed" | "log" | "retrying";
