import { eq } from "drizzle-orm";
import type { JWT } from "next-auth/jwt";
import { users } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { hmacHex, safeEqual } from "@/server/lib/hashing";
import { getSecrets } from "@/server/lib/secrets";

/**
 * Session revocation for JWT sessions: the token carries `users.session_version` as of sign-in
 * (`sv`), and a token whose version is not the user's current one is refused. A password change
 * raises the version, which ends every other session of the user; the session that made the
 * change is re-issued with the new version through Auth.js's session update, carrying a grant
 * only the server can compute (a client calling the update endpoint itself cannot revive a
 * stale session).
 */

/** The proof that lets a session move to `version`: HMAC(APP_SECRET, user id and version). */
export function sessionVersionGrant(userId: string, version: number): string {
  return hmacHex(getSecrets().appSecret, `session-version\u0000${userId}\u0000${version}`);
}

/** What the session update carries after a password change. */
export interface SessionVersionUpdate {
  sessionVersion: number;
  sessionGrant: string;
}

export async function currentSessionVersion(db: Queryable, userId: string): Promise<number | null> {
  const [row] = await db.select({ sessionVersion: users.sessionVersion }).from(users).where(eq(users.id, userId));
  return row?.sessionVersion ?? null;
}

function isVersionUpdate(value: unknown): value is SessionVersionUpdate {
  if (!value || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return Number.isInteger(v.sessionVersion) && typeof v.sessionGrant === "string";
}

/**
 * The `jwt` callback: stamps the version at sign-in, applies a granted update, and answers null
 * (Auth.js then drops the session cookie) for a token of an unknown user or an older version.
 * Tokens issued before versions existed carry none and count as version 0.
 */
export async function checkSessionToken({
  db,
  token,
  user,
  update,
}: {
  db: Queryable;
  token: JWT;
  user?: { id?: string; sessionVersion?: unknown } | null;
  update?: unknown;
}): Promise<JWT | null> {
  if (user?.id) {
    token.sub = user.id;
    token.sv =
      typeof user.sessionVersion === "number" ? user.sessionVersion : ((await currentSessionVersion(db, user.id)) ?? 0);
  }
  if (!token.sub) return token;
  if (
    isVersionUpdate(update) &&
    safeEqual(update.sessionGrant, sessionVersionGrant(token.sub, update.sessionVersion))
  ) {
    token.sv = update.sessionVersion;
  }
  const current = await currentSessionVersion(db, token.sub);
  if (current === null) return null;
  const carried = typeof token.sv === "number" ? token.sv : 0;
  return carried === current ? token : null;
}
