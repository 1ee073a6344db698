import { and, isNull, lte, or } from "drizzle-orm";
import { invitations, rateLimits, verificationTokens } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type JobContext } from "../context";

export interface PurgeExpiredTokensResult {
  /** Auth.js magic-link tokens whose `expires` had passed. */
  verificationTokens: number;
  /** Invitations never accepted whose `expires_at` had passed (revoked or not). */
  invitations: number;
}

/**
 * Deletes what can no longer be used: expired magic-link tokens and expired, unaccepted
 * invitations (accepted ones stay as membership history). Deleting an expired open invitation
 * also frees `invitations_open_key`, so the address can be invited again. Also drops rate-limit
 * counters (`rate_limits`) untouched for a day and no longer blocking: every window is shorter
 * than that, so they count nothing any more (not audited, not counted in the answer).
 *
 * Idempotent: a second call at the same `now` deletes nothing and writes no audit row. Audited
 * as the system actor: one row for the tokens (no workspace) and one per workspace that lost
 * invitations, with counts only (no addresses).
 */
export async function purgeExpiredTokens({ ctx }: { ctx: JobContext }): Promise<PurgeExpiredTokensResult> {
  const now = ctx.now();
  const audit = {
    actor: { type: "system" as const, job: "purge-expired-tokens" },
    now: ctx.now,
    requestId: ctx.requestId,
  };
  return inTransaction(ctx.db, async (tx) => {
    const tokens = await tx
      .delete(verificationTokens)
      .where(lte(verificationTokens.expires, now))
      .returning({ identifier: verificationTokens.identifier });
    const dayAgo = new Date(now.getTime() - 24 * 60 * 60 * 1000);
    await tx
      .delete(rateLimits)
      .where(
        and(
          lte(rateLimits.windowStart, dayAgo),
          or(isNull(rateLimits.blockedUntil), lte(rateLimits.blockedUntil, now)),
        ),
      );
    const expiredInvitations = await tx
      .delete(invitations)
      .where(and(isNull(invitations.acceptedAt), lte(invitations.expiresAt, now)))
      .returning({ workspaceId: invitations.workspaceId });

    if (tokens.length > 0) {
      await writeAudit(
        tx,
        { ...audit, workspaceId: null },
        {
          action: "auth.verification_tokens.purged",
          after: { count: tokens.length },
        },
      );
    }
    const perWorkspace = new Map<string, number>();
    for (const { workspaceId } of expiredInvitations)
      perWorkspace.set(workspaceId, (perWorkspace.get(workspaceId) ?? 0) + 1);
    for (const [workspaceId, count] of perWorkspace) {
      await writeAudit(tx, { ...audit, workspaceId }, { action: "invitations.expired_purged", after: { count } });
    }
    return { verificationTokens: tokens.length, invitations: expiredInvitations.length };
  });
}
