import { eq } from "drizzle-orm";
import { z } from "zod";
import { users } from "@/db/schema";
import { dummyPasswordHash, verifyPassword } from "@/server/lib/hashing";
import type { PublicContext } from "../context";
import { recordSignIn, type SignInResult } from "./record-sign-in";
import { recordSignInFailure, recordSignInSuccess, signInAllowed } from "./sign-in-limits";

export const ZCredentials = z.object({
  email: z.email().transform((v) => v.trim().toLowerCase()),
  password: z.string().min(1).max(200),
});

export interface TSignInWithPasswordInput {
  /** What the sign-in form sent; parsed with `ZCredentials`. */
  credentials: unknown;
  /** `clientRateLimitKey(headers)`; omitted = the shared bucket of requests of unknown origin. */
  clientKey?: string;
}

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
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: TSignInWithPasswordInput;
}): Promise<SignInResult> {
  const { db, now, requestId } = ctx;
  const { clientKey = "unknown" } = input;
  const parsed = ZCredentials.safeParse(input.credentials);
  if (!parsed.success) return { ok: false, reason: "invalid" };
  const { email, password } = parsed.data;
  if (!(await signInAllowed(db, email, clientKey, now()))) return { ok: false, reason: "rate_limited" };

  const [user] = await db.select().from(users).where(eq(users.email, email));
  const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !valid || user.disabledAt) {
    await recordSignInFailure(db, email, clientKey, now());
    return { ok: false, reason: "invalid" };
  }

  const result = await recordSignIn({ ctx: { db, now, requestId }, input: { userId: user.id, method: "password" } });
  if (result.ok) await recordSignInSuccess(db, email, clientKey);
  return result;
}
