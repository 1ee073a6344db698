import { eq, sql } from "drizzle-orm";
import { memberships, users } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import type { PublicContext } from "../context";

export interface SignedInUser {
  id: string;
  email: string;
  name: string | null;
  /** Goes into the session token; a session with an older version is refused. */
  sessionVersion: number;
}

export type SignInFailure = "invalid" | "rate_limited" | "no_workspace";

export type SignInResult = { ok: true; user: SignedInUser } | { ok: false; reason: SignInFailure };

export interface TRecordSignInInput {
  userId: string;
  method: "password" | "magic_link";
}

/** Shared by password and magic-link sign-in: requires a membership, stamps and audits the sign-in. */
export async function recordSignIn({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: TRecordSignInInput;
}): Promise<SignInResult> {
  const { db, now, requestId } = ctx;
  const { userId, method } = input;
  return db.transaction(async (tx) => {
    const memberOf = await tx
      .select({ workspaceId: memberships.workspaceId, role: memberships.role })
      .from(memberships)
      .where(eq(memberships.userId, userId));
    if (memberOf.length === 0) return { ok: false as const, reason: "no_workspace" as const };
    const [user] = await tx
      .update(users)
      .set({
        lastSignInAt: now(),
        emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now().toISOString()}::timestamptz)`,
      })
      .where(eq(users.id, userId))
      .returning({ id: users.id, email: users.email, name: users.name, sessionVersion: users.sessionVersion });
    for (const m of memberOf) {
      await writeAudit(
        tx,
        { workspaceId: m.workspaceId, actor: { type: "user", userId, role: m.role }, now, requestId },
        {
          action: "auth.sign_in",
          targetType: "user",
          targetId: userId,
          after: { method },
        },
      );
    }
    return { ok: true as const, user: user! };
  });
}
