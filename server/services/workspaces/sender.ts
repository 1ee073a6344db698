import { getEnv } from "@/server/lib/env";
import { formatFrom, type WorkspaceProfile } from "@/server/shared/workspace-profile";

/** `"Name" <address>` on the address of EMAIL_FROM (see `formatFrom`). */
export function brandedFrom(brand: string, emailFrom = getEnv().EMAIL_FROM): string {
  return formatFrom(brand, emailFrom);
}

/**
 * The From of a workspace's email: its sender name (Settings → General) on EMAIL_FROM's address,
 * or EMAIL_FROM as configured when no sender name is set. `fallbackName` (the workspace's name) is
 * used instead of EMAIL_FROM's own name where a message must carry the brand (double opt-in).
 */
export function workspaceFrom(
  profile: Pick<WorkspaceProfile, "senderName">,
  { fallbackName, emailFrom = getEnv().EMAIL_FROM }: { fallbackName?: string; emailFrom?: string } = {},
): string {
  const name = profile.senderName ?? fallbackName;
  return name ? brandedFrom(name, emailFrom) : emailFrom;
}

/** The Reply-To header of a workspace's email, if it set one. */
export function replyToHeaders(profile: Pick<WorkspaceProfile, "replyTo">): Record<string, string> {
  return profile.replyTo ? { "Reply-To": profile.replyTo } : {};
}

/** The postal address marketing email carries: the workspace's, else POSTAL_ADDRESS from the environment. */
export function workspacePostalAddress(profile: Pick<WorkspaceProfile, "postalAddress">): string | undefined {
  return profile.postalAddress ?? getEnv().POSTAL_ADDRESS;
}
