import { eq, sql } from "drizzle-orm";
import { users } from "@/db/schema";
import type { Queryable } from "@/db/client";

/** Count of users with this email; used by tests to prove bootstrap never duplicates. */
export async function countUsersByEmail(db: Queryable, email: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(users)
    .where(eq(users.email, email.toLowerCase()));
  return row?.count ?? 0;
}
