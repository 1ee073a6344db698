import { asc, eq } from "drizzle-orm";
import { memberships, users } from "@/db/schema";
import type { ServiceContext } from "../context";
import type { TMember } from "./schemas";

export async function listMembers({ ctx }: { ctx: ServiceContext }): Promise<TMember[]> {
  return ctx.db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      joinedAt: memberships.createdAt,
      lastSignInAt: users.lastSignInAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.workspaceId, ctx.workspaceId))
    .orderBy(asc(memberships.createdAt));
}
