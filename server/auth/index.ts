import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import Resend from "next-auth/providers/resend";
import { getDbHandle } from "@/server/lib/db";
import { getEnv } from "@/server/lib/env";
import { hmacHex } from "@/server/lib/hashing";
import { getSecrets } from "@/server/lib/secrets";
import { systemClock } from "@/server/lib/clock";
import { clientRateLimitKey } from "@/server/lib/client-address";
import { logger } from "@/server/lib/logger";
import {
  isMemberEmail,
  magicLinkAllowed,
  recordSignIn,
  sendSignInLink,
  signInWithPassword,
} from "@/server/services/auth";
import { getOutbox } from "@/server/wiring";
import { createAuthAdapter } from "./adapter";
import { checkSessionToken } from "./session-version";

class RateLimitedSignin extends CredentialsSignin {
  code = "rate_limited";
}

/**
 * Where Auth.js sends the browser once a link is sent (`/api/auth` + `/verify-request?…`). A refused
 * address is sent to exactly the same place, so the answer never tells who is a member.
 */
const MAGIC_LINK_SENT = "/api/auth/verify-request?provider=email&type=email";

/**
 * Auth.js: email + password (JWT sessions) always; magic links when Resend is configured, recorded
 * and delivered through the message pipeline's outbox (`sendSignInLink`). Membership and role are NOT in the token: they are read per
 * request, so removing a member or changing a role takes effect at once.
 */
export const { handlers, auth, signIn, signOut, unstable_update } = NextAuth(() => {
  const env = getEnv();
  const providers = [
    Credentials({
      id: "credentials",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, request) {
        const { db } = await getDbHandle();
        const result = await signInWithPassword({
          ctx: { db, now: systemClock },
          input: { credentials, clientKey: clientRateLimitKey(request.headers) },
        });
        if (result.ok)
          return {
            id: result.user.id,
            email: result.user.email,
            name: result.user.name,
            sessionVersion: result.user.sessionVersion,
          };
        if (result.reason === "rate_limited") throw new RateLimitedSignin();
        return null;
      },
    }),
  ];
  if (env.isResendConfigured) {
    providers.push(
      Resend({
        id: "email",
        from: env.EMAIL_FROM,
        maxAge: 15 * 60,
        sendVerificationRequest({ identifier, url, expires, request }) {
          // Throttled per address and per client address; past a limit nothing is sent, and the
          // browser still gets the same "check your email" answer.
          const sending = getDbHandle().then(async ({ db }) => {
            if (!(await magicLinkAllowed(db, identifier, clientRateLimitKey(request.headers), systemClock()))) {
              logger.warn("magic-link request over its limit: not sent");
              return;
            }
            // A system message to the member, through the outbox; throws when the first attempt
            // did not reach the provider (Auth.js then shows its error; the outbox keeps retrying).
            await sendSignInLink({
              ctx: { db, now: systemClock, outbox: getOutbox() },
              input: { email: identifier, url, expires },
            });
          });
          // Auth.js awaits this only after hashing the token, so a quick refusal would briefly be an
          // unhandled rejection. Mark it handled here; Auth.js still gets the error.
          sending.catch(() => {});
          return sending;
        },
      }) as unknown as (typeof providers)[number],
    );
  }
  const adapter = env.isResendConfigured ? createAuthAdapter() : undefined;
  return {
    secret: hmacHex(getSecrets().appSecret, "authjs-session-v1"),
    trustHost: true,
    session: { strategy: "jwt", maxAge: 7 * 24 * 60 * 60 },
    adapter,
    // Auth.js appends its own "?provider=email&type=email" to verifyRequest verbatim; the trailing
    // "&" keeps `check=email` a parameter of its own instead of "email?provider=email".
    pages: { signIn: "/sign-in", verifyRequest: "/sign-in?check=email&", error: "/sign-in" },
    providers,
    callbacks: {
      async signIn({ user, account, email }) {
        if (account?.provider !== "email") return true;
        const { db } = await getDbHandle();
        if (email?.verificationRequest) {
          // Only active members get a link (the adapter ignores disabled users); everyone else gets
          // the very same "check your email" redirect, which hides who is a member.
          const address = user.email ?? "";
          const active = (await adapter?.getUserByEmail?.(address)) && (await isMemberEmail(db, address));
          return active ? true : MAGIC_LINK_SENT;
        }
        const result = await recordSignIn({
          ctx: { db, now: systemClock },
          input: { userId: user.id!, method: "magic_link" },
        });
        return result.ok;
      },
      async jwt({ token, user, trigger, session }) {
        const { db } = await getDbHandle();
        return checkSessionToken({
          db,
          token,
          user: user as { id?: string; sessionVersion?: unknown } | undefined,
          update: trigger === "update" ? session : undefined,
        });
      },
      async session({ session, token }) {
        if (token.sub && session.user) session.user.id = token.sub;
        return session;
      },
    },
  };
});
