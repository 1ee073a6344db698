import { and, eq, isNull } from "drizzle-orm";
import { users, type Role } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { listUserWorkspaces } from "../workspaces/queries";

export interface SessionMembership {
  user: { id: string; email: string; name: string | null };
  workspace: { id: string; name: string };
  role: Role;
  workspaces: { workspaceId: string; name: string; role: Role }[];
}

/**
 * Resolves a signed-in user to the workspace they are working in: the requested one if they are
 * a member, else their first. Read on every request, so a role change or removal applies at once.
 * Null when the user is disabled or belongs to no workspace.
 */
export async function resolveSessionMembership(
  db: Queryable,
  userId: string,
  requestedWorkspaceId?: string | null,
): Promise<SessionMembership | null> {
  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.disabledAt)));
  if (!user) return null;
  const all = await listUserWorkspaces(db, userId);
  const chosen = all.find((w) => w.workspaceId === requestedWorkspaceId) ?? all[0];
  if (!chosen) return null;
  return { user, workspace: { id: chosen.workspaceId, name: chosen.name }, role: chosen.role, workspaces: all };
}
