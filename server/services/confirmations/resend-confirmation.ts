import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { CHANNELS, consentConfirmations, type ConsentSource } from "@/db/schema";
import { AppError } from "@/server/lib/errors";
import type { TEvidence } from "../consent/schemas";
import { getContactRow } from "../contacts/rows";
import { inTransaction, type SendingContext } from "../context";
import { deliverConfirmation, type RequestedConfirmation } from "./deliver-confirmation";
import { prepareConfirmation } from "./prepare-confirmation";
import { confirmationState, confirmationTopics } from "./shared";

export const ZResendConfirmationInput = z.object({ contactId: z.uuid(), channel: z.enum(CHANNELS) });

/**
 * Sends a fresh link or code for the contact's open double opt-in request on `channel` (admin
 * "Resend", or "Send a new code" on the code page). The old request is superseded: closed without
 * an `expired` event, since the pending state carries on under the new one, which keeps the
 * original source and evidence. No open request → CONFLICT (an expired or locked request needs a
 * new sign-up). The per-address hourly limit applies → RATE_LIMITED. Audited as the caller.
 */
export async function resendConfirmation({
  ctx,
  input,
}: {
  ctx: SendingContext;
  input: z.input<typeof ZResendConfirmationInput>;
}): Promise<RequestedConfirmation> {
  const { contactId, channel } = ZResendConfirmationInput.parse(input);
  const prepared = await inTransaction(ctx.db, async (tx) => {
    await getContactRow(tx, ctx.workspaceId, contactId);
    const [latest] = await tx
      .select()
      .from(consentConfirmations)
      .where(
        and(
          eq(consentConfirmations.workspaceId, ctx.workspaceId),
          eq(consentConfirmations.contactId, contactId),
          eq(consentConfirmations.channel, channel),
          isNull(consentConfirmations.confirmedAt),
        ),
      )
      .orderBy(desc(consentConfirmations.createdAt))
      .limit(1)
      .for("update");
    if (!latest || confirmationState(latest, ctx.now()) !== "open") {
      throw new AppError("CONFLICT", "No confirmation is pending on this channel; the person needs to sign up again");
    }
    const topicRows = await confirmationTopics(tx, latest);
    const next = await prepareConfirmation({
      ctx: { ...ctx, db: tx },
      input: {
        contactId,
        channel,
        topicRows,
        source: latest.source as ConsentSource,
        // The stored evidence already holds the text hash; the new pending event repeats it.
        evidence: { ...latest.evidence, note: "confirmation re-sent" } as TEvidence,
        formVersionId: latest.formVersionId,
      },
    });
    // Superseded after the new one exists, so a rate-limited resend leaves the old request usable.
    await tx.update(consentConfirmations).set({ closedAt: ctx.now() }).where(eq(consentConfirmations.id, latest.id));
    if (!next) throw new AppError("CONFLICT", "Every topic of this request is already confirmed");
    return next;
  });
  return deliverConfirmation({ ctx, input: prepared });
}
