import { inTransaction, type PublicContext } from "../context";
import { recordConsentChange } from "../consent/record-consent-change";
import { consentKey, currentConsent, lockContactConsent, resolveUnsubscribeLink } from "./link-context";
import { ZUnsubscribeOneClickInput, type TUnsubscribeOneClickInput } from "./schemas";

export interface UnsubscribeResult {
  status: "opted_out";
  /** True when this call appended a ledger event (the first opt-out, or the reason that followed it). */
  changed: boolean;
  topicKey: string;
}

/**
 * RFC 8058 one-click (and the unsubscribe page's button): opts the token's contact out of the
 * token's topic on the token's channel, source `one_click`, audited with the contact as actor.
 *
 * Idempotent: under the contact's consent lock it reads the current state first, so a second
 * call (a retry, a double click, a provider re-POST) appends nothing. The one exception is the
 * optional reason ("why are you leaving?"), which the page asks for *after* the opt-out: when the
 * contact is already opted out and the event that opted them out carries no reason yet, the
 * reason is appended as one more `opted_out` event whose `evidence.note` holds it (the ledger is
 * append-only, so this is the only honest place for it). At most one reason per opt-out.
 *
 * The evidence names the message the link came in (`messageId`, when the token carries it), so
 * the opt-out is attributed to that message's campaign in its report.
 *
 * A bad, foreign or expired token → NOT_FOUND and nothing changes.
 */
export async function unsubscribeOneClick({
  ctx: link,
  input,
}: {
  ctx: PublicContext;
  input: TUnsubscribeOneClickInput;
}): Promise<UnsubscribeResult> {
  const { token, reason, evidence } = ZUnsubscribeOneClickInput.parse(input);
  const resolved = await resolveUnsubscribeLink(link, token);
  const { claims, topic } = resolved;
  return inTransaction(link.db, async (tx) => {
    const ctx = { ...resolved.ctx, db: tx };
    await lockContactConsent(tx, claims.contactId);
    const current = (await currentConsent(tx, ctx.workspaceId, claims.contactId)).get(
      consentKey(claims.channel, topic.id),
    );
    const isOptedOut = current?.status === "opted_out";
    if (isOptedOut && (!reason || current.evidence.note))
      return { status: "opted_out", changed: false, topicKey: topic.key };
    await recordConsentChange({
      ctx,
      input: {
        contactId: claims.contactId,
        channel: claims.channel,
        topicRows: [topic],
        action: "opted_out",
        source: "one_click",
        evidence: {
          ...evidence,
          ...(claims.messageId ? { messageId: claims.messageId } : {}),
          ...(reason ? { note: reason } : {}),
        },
      },
    });
    return { status: "opted_out", changed: true, topicKey: topic.key };
  });
}
