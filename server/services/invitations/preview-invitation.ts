import { eq } from "drizzle-orm";
import type { z } from "zod";
import { users } from "@/db/schema";
import type { SystemContext } from "../context";
import type { ZRole } from "../members/schemas";
import { findOpenInvitation } from "./queries";

export interface InvitationPreview {
  workspaceName: string;
  email: string;
  role: z.infer<typeof ZRole>;
  /** True when an account with this email exists: it joins with its current password. */
  hasAccount: boolean;
}

export interface TPreviewInvitationInput {
  /** The one-time token from the invitation link. */
  token: string;
}

/** What the invitation page shows; null for an unknown, used, revoked or expired token. */
export async function previewInvitation({
  ctx,
  input,
}: {
  ctx: SystemContext;
  input: TPreviewInvitationInput;
}): Promise<InvitationPreview | null> {
  const found = await findOpenInvitation(ctx.db, input.token, ctx.now());
  if (!found) return null;
  const [account] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, found.invitation.email));
  return {
    workspaceName: found.workspaceName,
    email: found.invitation.email,
    role: found.invitation.role,
    hasAccount: Boolean(account),
  };
}
