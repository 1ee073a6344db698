import type { WebhookRequest, WebhookResponse } from "@/server/providers/types";
import type { SendingPublicContext } from "../context";
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
 * Consent stays ahead of speed without applying anything here: a bounce, complaint or provider
 * opt-out acknowledged but not applied yet already counts as the suppression it will write, for
 * the next send's decision (`send_decision_reads`) and for a message about to be handed to a
 * provider (`blockedSinceDecision` in the outbox); the drain takes such events first.
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
    // Concurrent calls share INSERTs (group commit); ctx.db is never a transaction here.
    input: { events: parsed.items.map((event) => ({ ...event, provider: transport.name })), groupCommit: true },
  });
  return transport.eventsResponse(outcomes);
}
