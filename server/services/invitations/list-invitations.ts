import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { invitations } from "@/db/schema";
import type { ServiceContext } from "../context";
import { toInvitation, type TInvitation } from "./rows";

/** Open (not accepted, not revoked, not expired) invitations of the workspace. */
export async function listInvitations({ ctx }: { ctx: ServiceContext }): Promise<TInvitation[]> {
  const rows = await ctx.db
    .select()
    .from(invitations)
    .where(
      and(
        eq(invitations.workspaceId, ctx.workspaceId),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, ctx.now()),
      ),
    )
    .orderBy(desc(invitations.createdAt));
  return rows.map(toInvitation);
}
