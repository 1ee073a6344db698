import { and, eq, inArray, isNull } from "drizzle-orm";
import { consentConfirmations, consentStates, topics, type Channel } from "@/db/schema";
import { inTransaction, type ServiceContext } from "../context";
import { recordConsentChange } from "./record-consent-change";

/**
 * Consent is given for an address, but the ledger keys it by contact × channel × topic. So when
 * a contact's address on a channel is replaced (or removed), whatever was granted for the old
 * address must end before the new one can be messaged: every `opted_in` or `pending` state of the
 * contact on that channel gets an `opted_out` event with source `address_changed` (through
 * `recordConsentChange`, the one writer), and open confirmation requests sent to the old address
 * are closed, so a late click can never confirm consent for the new one. Consent never moves to
 * the new address: it starts with none, and a later opt-in (which happens after this opt-out
 * was recorded) is what grants it.
 *
 * Call it in the transaction that changes the address. Returns the topic keys withdrawn.
 */
export async function withdrawConsentForReplacedAddress({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { contactId: string; channel: Channel };
}): Promise<string[]> {
  return inTransaction(ctx.db, async (tx) => {
    const now = ctx.now();
    await tx
      .update(consentConfirmations)
      .set({ closedAt: now })
      .where(
        and(
          eq(consentConfirmations.workspaceId, ctx.workspaceId),
          eq(consentConfirmations.contactId, input.contactId),
          eq(consentConfirmations.channel, input.channel),
          isNull(consentConfirmations.confirmedAt),
          isNull(consentConfirmations.closedAt),
        ),
      );
    const covered = await tx
      .select({ topic: topics })
      .from(consentStates)
      .innerJoin(topics, and(eq(topics.id, consentStates.topicId), eq(topics.workspaceId, consentStates.workspaceId)))
      .where(
        and(
          eq(consentStates.workspaceId, ctx.workspaceId),
          eq(consentStates.contactId, input.contactId),
          eq(consentStates.channel, input.channel),
          inArray(consentStates.status, ["opted_in", "pending"]),
        ),
      );
    if (covered.length === 0) return [];
    const recorded = await recordConsentChange({
      ctx: { ...ctx, db: tx },
      input: {
        contactId: input.contactId,
        channel: input.channel,
        topicRows: covered.map((c) => c.topic),
        action: "opted_out",
        source: "address_changed",
        evidence: { note: `The contact's ${input.channel === "email" ? "email address" : "phone number"} was changed` },
      },
    });
    return recorded.map((r) => r.topicKey);
  });
}
