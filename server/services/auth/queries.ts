import { eq } from "drizzle-orm";
import { memberships, users } from "@/db/schema";
import type { Queryable } from "@/db/client";

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
