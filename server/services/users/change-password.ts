import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { memberships, users } from "@/db/schema";
import { AppError } from "@/server/lib/errors";
import { hashPassword, verifyPassword } from "@/server/lib/hashing";
import { isBlocked, readLimits, recordHit } from "@/server/lib/persistent-rate-limit";
import { CHANGE_PASSWORD_LIMIT, changePasswordKey } from "../auth/sign-in-limits";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { requireUser } from "./require-user";

export const ZChangePasswordInput = z.object({
  currentPassword: z.string().max(200),
  newPassword: z.string().min(10, "Use at least 10 characters").max(200),
});

/**
 * Changes the signed-in user's password after checking the current one (a stolen session alone
 * cannot lock the owner out). Wrong current passwords are limited per user (CHANGE_PASSWORD_LIMIT:
 * 5 in 15 minutes, then RATE_LIMITED until the window ends, without checking). The change raises
 * `users.session_version`, which ends every other session of the user; the answer carries the new
 * version so the caller can re-issue the current session. Audited in each of the user's workspaces.
 */
export async function changePassword({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZChangePasswordInput>;
}) {
  const userId = requireUser(ctx.actor);
  const { currentPassword, newPassword } = ZChangePasswordInput.parse(input);
  const limitKey = changePasswordKey(userId);
  if (isBlocked((await readLimits(ctx.db, [limitKey])).get(limitKey), ctx.now())) {
    throw new AppError("RATE_LIMITED", "Too many wrong passwords. Try again in 15 minutes.");
  }
  const [user] = await ctx.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
  if (!user?.passwordHash || !(await verifyPassword(currentPassword, user.passwordHash))) {
    await recordHit(ctx.db, limitKey, CHANGE_PASSWORD_LIMIT, ctx.now());
    throw new AppError("INVALID", "The current password is not correct", { field: "currentPassword" });
  }
  const passwordHash = await hashPassword(newPassword);
  return inTransaction(ctx.db, async (tx) => {
    const [updated] = await tx
      .update(users)
      .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: ctx.now() })
      .where(eq(users.id, userId))
      .returning({ sessionVersion: users.sessionVersion });
    const memberOf = await tx
      .select({ workspaceId: memberships.workspaceId })
      .from(memberships)
      .where(eq(memberships.userId, userId));
    for (const { workspaceId } of memberOf) {
      await writeAudit(
        tx,
        { ...ctx, workspaceId },
        { action: "user.password_changed", targetType: "user", targetId: userId },
      );
    }
    return { changed: true as const, sessionVersion: updated!.sessionVersion };
  });
}
