import type { WebhookRequest, WebhookResponse } from "@/server/providers/types";
import type { SendingPublicContext } from "../context";
import { drainWebhookEventsBatch, WEBHOOK_EFFECT_BATCH } from "./drain-webhook-events";
import { storeDeliveryEvents } from "./store-delivery-events";

export type { WebhookRequest, WebhookResponse } from "@/server/providers/types";

/**
 * A delivery-event webhook (`/api/webhooks/<provider>` and `/api/webhooks/<provider>/status`),
 * acknowledged as soon as its events are stored: the transport named `provider` (its receiver in
 * `ctx.outbox`) verifies the call and parses its events; they are stored in one statement, once
 * per dedupe key (`storeDeliveryEvents`), and the call is answered. Nothing is applied here: the
 * webhook drain (`drainWebhookEvents`, woken by the route, plus the minute job) applies them —
 * status moves never backwards, timeline rows, bounce/complaint effects, the final-failure
 * channel fallback. Answers in the provider's format; a refused call (bad signature, not
 * configured, too large, malformed) stores nothing. null when no transport has that name.
 *
 * One exception keeps consent ahead of speed: a call that brought a new event with an effect
 * (hard bounce, complaint, provider opt-out — a suppression or an opt-out) applies such events
 * before answering, so the opt-out holds for the very next send, as an inbound STOP does. They
 * are rare (a few in a hundred events) and go through the drain's own short effect batches.
 */
export async function receiveDeliveryWebhook({
  ctx,
  input,
}: {
  ctx: SendingPublicContext;
  input: { provider: string; request: WebhookRequest };
}): Promise<WebhookResponse | null> {
  const transport = ctx.outbox.receiver(input.provider);
  if (!transport) return null;
  const verified = await transport.verifyWebhook(input.request);
  if (!verified.ok) return verified.response;
  const parsed = await transport.parseEvents(input.request);
  if (!parsed.ok) return parsed.response;
  const outcomes = await storeDeliveryEvents({
    ctx: { db: ctx.db, now: ctx.now },
    input: { events: parsed.items.map((event) => ({ ...event, provider: transport.name })) },
  });
  const effectAccepted = parsed.items.some((event, i) => event.effect !== null && outcomes[i] === "accepted");
  if (effectAccepted) {
    // Effect events of other calls may be claimed here too; each batch is short either way.
    for (;;) {
      const batch = await drainWebhookEventsBatch({ ctx, input: { effects: true, limit: WEBHOOK_EFFECT_BATCH } });
      if (batch.applied < WEBHOOK_EFFECT_BATCH) break;
    }
  }
  return transport.eventsResponse(outcomes);
}
