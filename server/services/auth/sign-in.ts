import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { memberships, users } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { dummyPasswordHash, verifyPassword } from "@/server/lib/hashing";
import type { Clock } from "@/server/lib/clock";
import { writeAudit } from "../audit/write-audit";
import { recordSignInFailure, recordSignInSuccess, signInAllowed } from "./sign-in-limits";

export const ZCredentials = z.object({
  email: z.email().transform((v) => v.trim().toLowerCase()),
  password: z.string().min(1).max(200),
});

export interface SignedInUser {
  id: string;
  email: string;
  name: string | null;
  /** Goes into the session token; a session with an older version is refused. */
  sessionVersion: number;
}

export type SignInFailure = "invalid" | "rate_limited" | "no_workspace";

/**
 * Checks an email + password. Unknown users cost the same hashing time as known ones, and count
 * against the limits the same way. A user without any workspace membership (removed everywhere)
 * cannot sign in. Audits `auth.sign_in` in each of the user's workspaces.
 *
 * Limits (`sign-in-limits.ts`): `clientKey` is the client address (`clientRateLimitKey`). A
 * refused attempt (`rate_limited`) is neither checked nor counted; a failed one is counted per
 * address, per account and address, per account and for the instance.
 */
export async function signInWithPassword({
  db,
  now,
  input,
  clientKey = "unknown",
  requestId,
}: {
  db: Queryable;
  now: Clock;
  input: unknown;
  /** `clientRateLimitKey(headers)`; omitted = the shared bucket of requests of unknown origin. */
  clientKey?: string;
  requestId?: string;
}): Promise<{ ok: true; user: SignedInUser } | { ok: false; reason: SignInFailure }> {
  const parsed = ZCredentials.safeParse(input);
  if (!parsed.success) return { ok: false, reason: "invalid" };
  const { email, password } = parsed.data;
  if (!(await signInAllowed(db, email, clientKey, now()))) return { ok: false, reason: "rate_limited" };

  const [user] = await db.select().from(users).where(eq(users.email, email));
  const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !valid || user.disabledAt) {
    await recordSignInFailure(db, email, clientKey, now());
    return { ok: false, reason: "invalid" };
  }

  const result = await recordSignIn({ db, now, userId: user.id, method: "password", requestId });
  if (result.ok) await recordSignInSuccess(db, email, clientKey);
  return result;
}

/** Shared by password and magic-link sign-in: requires a membership, stamps and audits the sign-in. */
export async function recordSignIn({
  db,
  now,
  userId,
  method,
  requestId,
}: {
  db: Queryable;
  now: Clock;
  userId: string;
  method: "password" | "magic_link";
  requestId?: string;
}): Promise<{ ok: true; user: SignedInUser } | { ok: false; reason: SignInFailure }> {
  return db.transaction(async (tx) => {
    const memberOf = await tx
      .select({ workspaceId: memberships.workspaceId, role: memberships.role })
      .from(memberships)
      .where(eq(memberships.userId, userId));
    if (memberOf.length === 0) return { ok: false as const, reason: "no_workspace" as const };
    const [user] = await tx
      .update(users)
      .set({ lastSignInAt: now(), emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now().toISOString()}::timestamptz)` })
      .where(eq(users.id, userId))
      .returning({ id: users.id, email: users.email, name: users.name, sessionVersion: users.sessionVersion });
    for (const m of memberOf) {
      await writeAudit(tx, { workspaceId: m.workspaceId, actor: { type: "user", userId, role: m.role }, now, requestId }, {
        action: "auth.sign_in",
        targetType: "user",
        targetId: userId,
        after: { method },
      });
    }
    return { ok: true as const, user: user! };
  });
}

/** Whether a magic link may be sent to this address: only existing members get one. */
export async function isMemberEmail(db: Queryable, email: string): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .innerJoin(memberships, eq(memberships.userId, users.id))
    .where(eq(users.email, email.trim().toLowerCase()))
    .limit(1);
  return Boolean(row);
}
