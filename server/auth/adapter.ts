import { and, eq } from "drizzle-orm";
import type { Adapter, AdapterUser } from "next-auth/adapters";
import { users, verificationTokens } from "@/db/schema";
import { getDbHandle } from "@/server/lib/db";

function toAdapterUser(row: typeof users.$inferSelect): AdapterUser {
  return { id: row.id, email: row.email, name: row.name, emailVerified: row.emailVerifiedAt };
}

/**
 * The few adapter methods Auth.js needs for magic links with JWT sessions, over our own tables.
 * (We chose this over @auth/drizzle-adapter: its fixed users/accounts/sessions schema does not fit
 * our users + memberships model, and JWT sessions need no sessions table.) Accounts are never
 * created through Auth.js: sign-in is refused for non-members before a link is sent.
 */
export function createAuthAdapter(): Adapter {
  return {
    async createVerificationToken(token) {
      const { db } = await getDbHandle();
      await db.insert(verificationTokens).values(token);
      return token;
    },
    /** Deletes and returns the token: a link works once. */
    async useVerificationToken({ identifier, token }) {
      const { db } = await getDbHandle();
      const [row] = await db
        .delete(verificationTokens)
        .where(and(eq(verificationTokens.identifier, identifier), eq(verificationTokens.token, token)))
        .returning();
      return row ?? null;
    },
    async getUserByEmail(email) {
      const { db } = await getDbHandle();
      const [row] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
      return row && !row.disabledAt ? toAdapterUser(row) : null;
    },
    async getUser(id) {
      const { db } = await getDbHandle();
      const [row] = await db.select().from(users).where(eq(users.id, id));
      return row ? toAdapterUser(row) : null;
    },
    async updateUser(user) {
      const { db } = await getDbHandle();
      const [row] = await db
        .update(users)
        .set({ emailVerifiedAt: user.emailVerified ?? undefined, updatedAt: new Date() })
        .where(eq(users.id, user.id))
        .returning();
      return toAdapterUser(row!);
    },
    async createUser() {
      throw new Error("Accounts are created by invitation only");
    },
    async linkAccount() {
      return undefined;
    },
  };
}
