import { asc, eq } from "drizzle-orm";
import { memberships, workspaces, type Role } from "@/db/schema";
import type { Queryable } from "@/db/client";

/** The workspaces a user belongs to, oldest membership first (the first is the default choice). */
export async function listUserWorkspaces(
  db: Queryable,
  userId: string,
): Promise<{ workspaceId: string; name: string; role: Role }[]> {
  return db
    .select({ workspaceId: workspaces.id, name: workspaces.name, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt), asc(workspaces.name));
}
