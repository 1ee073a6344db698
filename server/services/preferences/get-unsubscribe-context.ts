import { PREFERENCES_FROM_UNSUBSCRIBE_TTL_MS, signToken } from "@/server/lib/tokens";
import type { Channel, ConsentStatus } from "@/db/schema";
import type { PublicContext } from "../context";
import { consentKey, currentConsent, maskedAddress, resolveUnsubscribeLink } from "./link-context";

export interface UnsubscribeContext {
  workspaceName: string;
  topic: { key: string; name: string; description: string | null };
  channel: Channel;
  /** `a•••@example.com` / `+1 ••• ••• 4567`; null when the contact no longer has an address on this channel. */
  maskedAddress: string | null;
  /** Current consent for this topic on this channel; null = nothing recorded. */
  status: ConsentStatus | null;
  /**
   * A fresh preference-center token for the same contact, bound to the channel the link came
   * through, valid for 24 hours only (the unsubscribe token itself never expires, and it can only
   * opt out).
   */
  preferencesToken: string;
}

/**
 * What the unsubscribe page shows for a token. Read-only: a GET must never change state, because
 * mail scanners prefetch links. A bad, foreign or expired token → NOT_FOUND.
 */
export async function getUnsubscribeContext({
  ctx: link,
  input,
}: {
  ctx: PublicContext;
  input: { token: string };
}): Promise<UnsubscribeContext> {
  const { ctx, claims, topic, contact, workspaceName } = await resolveUnsubscribeLink(link, input.token);
  const states = await currentConsent(ctx.db, ctx.workspaceId, contact.id);
  return {
    workspaceName,
    topic: { key: topic.key, name: topic.name, description: topic.description },
    channel: claims.channel,
    maskedAddress: maskedAddress(contact, claims.channel),
    status: states.get(consentKey(claims.channel, topic.id))?.status ?? null,
    preferencesToken: signToken(
      "preferences",
      { workspaceId: ctx.workspaceId, contactId: contact.id, channel: claims.channel },
      { expiresAt: new Date(ctx.now().getTime() + PREFERENCES_FROM_UNSUBSCRIBE_TTL_MS) },
    ),
  };
}
