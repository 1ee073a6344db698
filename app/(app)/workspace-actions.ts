"use server";

import { cookies } from "next/headers";
import { auth } from "@/server/auth";
import { WORKSPACE_COOKIE } from "@/server/auth/workspace-cookie";
import { getDbHandle } from "@/server/lib/db";
import { getEnv } from "@/server/lib/env";
import { resolveSessionMembership } from "@/server/services/auth";

export type SwitchWorkspaceResult = { ok: true } | { ok: false; error: string };

/**
 * Makes `workspaceId` the workspace the admin UI works in (the `om_workspace` cookie), only when
 * the signed-in user is a member of it. The cookie is a preference, not a grant: every request
 * checks the membership again (`resolveSessionMembership`). Setting it twice is harmless.
 */
export async function switchWorkspaceAction(workspaceId: string): Promise<SwitchWorkspaceResult> {
  const userId = (await auth())?.user?.id;
  if (!userId) return { ok: false, error: "Your session has ended. Sign in again." };
  const { db } = await getDbHandle();
  const membership = typeof workspaceId === "string" ? await resolveSessionMembership(db, userId, workspaceId) : null;
  if (!membership || membership.workspace.id !== workspaceId)
    return { ok: false, error: "You are not a member of that workspace." };
  (await cookies()).set(WORKSPACE_COOKIE, workspaceId, {
    httpOnly: true,
    sameSite: "lax",
    secure: getEnv().PUBLIC_URL.startsWith("https:"),
    path: "/",
    maxAge: 60 * 60 * 24 * 365,
  });
  return { ok: true };
}
