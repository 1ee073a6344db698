import { eq } from "drizzle-orm";
import { invitations, workspaces } from "@/db/schema";
import { sha256Hex } from "@/server/lib/hashing";
import type { SystemContext } from "../context";

/** The open (not accepted, not revoked, not expired) invitation behind a token, with its workspace's name; null otherwise. */
export async function findOpenInvitation(db: SystemContext["db"], token: string, now: Date) {
  const [row] = await db
    .select({ invitation: invitations, workspaceName: workspaces.name })
    .from(invitations)
    .innerJoin(workspaces, eq(workspaces.id, invitations.workspaceId))
    .where(eq(invitations.tokenHash, sha256Hex(token)));
  if (!row || row.invitation.acceptedAt || row.invitation.revokedAt || row.invitation.expiresAt <= now) return null;
  return row;
}
