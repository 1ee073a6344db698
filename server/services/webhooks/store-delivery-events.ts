import { webhookEvents } from "@/db/schema";
import type { EventOutcome } from "@/server/providers/types";
import type { JobContext } from "../context";
import { toPayload, type NormalizedDeliveryEvent } from "./delivery-event";

/**
 * The acknowledgement half of a delivery webhook: stores the verified events of one call in one
 * statement (`INSERT … ON CONFLICT (provider, dedupe_key) DO NOTHING`), unapplied. No read, no
 * lock, no application: the drain (`drainWebhookEvents`) applies them in the background, and the
 * send pipeline applies those that arrive before it records their provider id. A redelivery of
 * an event already stored inserts nothing (`duplicate`); a new one is `accepted`. Outcomes are in
 * the order of `events`. Only normalised fields are stored (no addresses, no bodies).
 */
export async function storeDeliveryEvents({
  ctx,
  input: { events },
}: {
  ctx: JobContext;
  input: { events: NormalizedDeliveryEvent[] };
}): Promise<EventOutcome[]> {
  if (events.length === 0) return [];
  const receivedAt = ctx.now();
  const inserted = await ctx.db
    .insert(webhookEvents)
    .values(
      events.map((event) => ({
        provider: event.provider,
        dedupeKey: event.dedupeKey,
        type: event.type,
        providerMessageId: event.providerMessageId,
        payload: toPayload(event),
        occurredAt: event.occurredAt,
        receivedAt,
      })),
    )
    .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.dedupeKey] })
    .returning({ provider: webhookEvents.provider, dedupeKey: webhookEvents.dedupeKey });
  const fresh = new Set(inserted.map((row) => `${row.provider}\u0000${row.dedupeKey}`));
  // The same event twice in one call: the first copy is the accepted one.
  return events.map((event) => (fresh.delete(`${event.provider}\u0000${event.dedupeKey}`) ? "accepted" : "duplicate"));
}
