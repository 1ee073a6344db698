import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import { invitations, memberships, users, workspaces } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { AppError, invalid, notFound } from "@/server/lib/errors";
import { hashPassword, randomToken, sha256Hex } from "@/server/lib/hashing";
import { ACCEPTED_STATUSES, isStatusIn } from "@/server/shared/enums";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type SendingContext, type ServiceContext, type SystemContext } from "../context";
import { ZRole } from "../members/members";
import { deliverNow } from "../messages/deliver-now";
import { recordDirectMessages } from "../messages/record-direct-messages";
import { invitationEmail } from "./invitation-email";

/** Invitations are valid for 7 days; a new invite to the same address replaces the open one. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export const ZInviteMemberInput = z.object({
  email: z.email("Enter a valid email address").transform((v) => v.trim().toLowerCase()),
  role: ZRole,
});
export type TInviteMemberInput = z.input<typeof ZInviteMemberInput>;

export const ZInvitation = z.object({
  id: z.uuid(),
  email: z.string(),
  role: ZRole,
  expiresAt: z.date(),
  createdAt: z.date(),
});
export type TInvitation = z.infer<typeof ZInvitation>;

export const ZAcceptInvitationInput = z.object({
  token: z.string().min(10).max(200),
  name: z.string().trim().min(1, "Name is required").max(100).optional(),
  password: z.string().min(10, "Use at least 10 characters").max(200).optional(),
});

function toInvitation(row: typeof invitations.$inferSelect): TInvitation {
  return { id: row.id, email: row.email, role: row.role, expiresAt: row.expiresAt, createdAt: row.createdAt };
}

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
export async function inviteMember({
  ctx,
  input,
}: {
  ctx: SendingContext;
  input: TInviteMemberInput;
}): Promise<{ invitation: TInvitation; token: string; inviteUrl: string; emailed: boolean; delivery: InvitationDelivery; messageId: string | null }> {
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
      ctx.actor.type === "user" ? tx.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, ctx.actor.userId)) : Promise.resolve([]),
      tx.select({ id: users.id }).from(users).where(eq(users.email, email)),
    ]);
    const [messageId] = await recordDirectMessages({
      ctx: { db: tx, now: ctx.now },
      input: {
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
            checks: ["recipient: invited to the workspace (system message to a member, not a contact): consent and the contact suppression list do not apply"],
            // Who may read the link in the Outbox: admins and owners at or above the invited role.
            options: { recipientRole: role, invitationId: row!.id },
            idempotencyKey: `invitation-${row!.id}`,
          },
        ],
        delivery: "outbox",
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
    ? (await deliverNow({ ctx: { db: ctx.db, now: ctx.now, outbox: ctx.outbox }, input: { messageIds: [created.messageId] } })).get(created.messageId)
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

/** Open (not accepted, not revoked, not expired) invitations of the workspace. */
export async function listInvitations({ ctx }: { ctx: ServiceContext }): Promise<TInvitation[]> {
  const rows = await ctx.db
    .select()
    .from(invitations)
    .where(
      and(
        eq(invitations.workspaceId, ctx.workspaceId),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, ctx.now()),
      ),
    )
    .orderBy(desc(invitations.createdAt));
  return rows.map(toInvitation);
}

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

export interface InvitationPreview {
  workspaceName: string;
  email: string;
  role: z.infer<typeof ZRole>;
  /** True when an account with this email exists: it joins with its current password. */
  hasAccount: boolean;
}

async function findOpenInvitation(db: SystemContext["db"], token: string, now: Date) {
  const [row] = await db
    .select({ invitation: invitations, workspaceName: workspaces.name })
    .from(invitations)
    .innerJoin(workspaces, eq(workspaces.id, invitations.workspaceId))
    .where(eq(invitations.tokenHash, sha256Hex(token)));
  if (!row || row.invitation.acceptedAt || row.invitation.revokedAt || row.invitation.expiresAt <= now) return null;
  return row;
}

/** What the invitation page shows; null for an unknown, used, revoked or expired token. */
export async function previewInvitation({
  ctx,
  token,
}: {
  ctx: SystemContext;
  token: string;
}): Promise<InvitationPreview | null> {
  const found = await findOpenInvitation(ctx.db, token, ctx.now());
  if (!found) return null;
  const [account] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, found.invitation.email));
  return {
    workspaceName: found.workspaceName,
    email: found.invitation.email,
    role: found.invitation.role,
    hasAccount: Boolean(account),
  };
}

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
      .values({ workspaceId: invitation.workspaceId, userId: user!.id, role: invitation.role, createdAt: ctx.now(), updatedAt: ctx.now() })
      .onConflictDoNothing();
    await writeAudit(
      tx,
      { ...ctx, workspaceId: invitation.workspaceId, actor: { type: "user", userId: user!.id, role: invitation.role } },
      { action: "member.joined", targetType: "user", targetId: user!.id, after: { role: invitation.role } },
    );
    return { userId: user!.id, workspaceId: invitation.workspaceId, email: invitation.email };
  });
}

