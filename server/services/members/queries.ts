import { and, eq, sql } from "drizzle-orm";
import { memberships } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import type { Queryable } from "@/db/client";

export async function ownerCount(tx: Queryable, workspaceId: string): Promise<number> {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.role, "owner")));
  return row?.count ?? 0;
}

export async function lockMembership(tx: Queryable, workspaceId: string, userId: string) {
  // Lock every owner row too, so two concurrent demotions cannot both see "another owner exists".
  await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.role, "owner")))
    .for("update");
  const [row] = await tx
    .select()
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)))
    .for("update");
  if (!row) throw notFound("Member");
  return row;
}
