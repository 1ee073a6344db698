import { and, eq } from "drizzle-orm";
import { messages, webhookEvents } from "@/db/schema";
import type { Queryable } from "@/db/client";
import type { Clock } from "@/server/lib/clock";
import { inTransaction } from "../context";
import { toPayload, type NormalizedDeliveryEvent } from "./delivery-event";
import { lockProviderMessage } from "./lock";
import { applyUnappliedEvents } from "./pending";

export type IngestOutcome = "duplicate" | "applied" | "pending";

/**
 * Stores a verified provider event once and applies it, in one transaction:
 * - the dedupe key (per provider) is unique: a second delivery of the same event inserts nothing
 *   and changes nothing (`duplicate`);
 * - when its message is known (transport = provider, provider message id), the event — with any
 *   older one still waiting for that message — is applied in occurred order (status never
 *   backwards, bounce/complaint effects) and marked applied (`applied`);
 * - otherwise it is kept with `applied_at` null (`pending`) and applied by
 *   `applyPendingWebhookEvents` when the send pipeline records that provider id.
 * The per-message advisory lock shared with `applyPendingWebhookEvents` closes the race between
 * the two. Only normalised fields are stored (no addresses, no bodies).
 */
export async function ingestDeliveryEvent(db: Queryable, now: Clock, event: NormalizedDeliveryEvent): Promise<IngestOutcome> {
  return inTransaction(db, async (tx) => {
    await lockProviderMessage(tx, event.provider, event.providerMessageId);
    const [message] = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.transport, event.provider), eq(messages.providerMessageId, event.providerMessageId)))
      .limit(1);
    const receivedAt = now();
    const [stored] = await tx
      .insert(webhookEvents)
      .values({
        workspaceId: message?.workspaceId ?? null,
        provider: event.provider,
        dedupeKey: event.dedupeKey,
        type: event.type,
        providerMessageId: event.providerMessageId,
        payload: toPayload(event),
        occurredAt: event.occurredAt,
        receivedAt,
      })
      .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.dedupeKey] })
      .returning({ id: webhookEvents.id });
    if (!stored) return "duplicate";
    if (!message) return "pending";
    await applyUnappliedEvents(tx, now, message, event.provider);
    return "applied";
  });
}
