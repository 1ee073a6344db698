import type { WebhookRequest, WebhookResponse } from "@/server/providers/types";
import type { SendingPublicContext } from "../context";
import { handOffWebhook } from "./buffered-webhook-call";
import { storeDeliveryEvents } from "./store-delivery-events";

export type { WebhookRequest, WebhookResponse } from "@/server/providers/types";

/**
 * A delivery-event webhook (`/api/webhooks/<provider>` and `/api/webhooks/<provider>/status`),
 * acknowledged as soon as its events are stored: the transport named `provider` (its receiver in
 * `ctx.outbox`) verifies the call and parses its events; they are stored in one statement, once
 * per dedupe key (`storeDeliveryEvents`), and the call is answered. Nothing is applied here: the
 * webhook drain (`drainWebhookEvents`, woken through `onStored` when an event was new, plus the
 * minute job) applies them — status moves never backwards, timeline rows, bounce/complaint
 * effects, the final-failure channel fallback. Answers in the provider's format; a refused call
 * (bad signature, not configured, too large, malformed) stores nothing. null when no transport
 * has that name.
 *
 * When the background thread runs for `ctx.db` (PostgreSQL), the call is read here and handed
 * to it whole: verification, parsing, the store (group-committed with the thread's other calls)
 * and the drain's wake-up happen there, so this event loop only reads the body and answers. If
 * the thread stops before answering, the call is taken here instead: an event it had stored is
 * found as a duplicate.
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
  /** `onStored`: called once when the call stored a new event (the route wakes the drain with it). */
  input: { provider: string; request: WebhookRequest; onStored?: () => void };
}): Promise<WebhookResponse | null> {
  const handed = await handOffWebhook(ctx.db, "delivery", input.provider, input.request, ctx.requestId);
  if (handed.answered) return handed.answer;
  const request = handed.request;
  const transport = ctx.outbox.receiver(input.provider);
  if (!transport) return null;
  const verified = await transport.verifyWebhook(request);
  if (!verified.ok) return verified.response;
  const parsed = await transport.parseEvents(request);
  if (!parsed.ok) return parsed.response;
  const outcomes = await storeDeliveryEvents({
    ctx: { db: ctx.db, now: ctx.now },
    // Concurrent calls share INSERTs (group commit); ctx.db is never a transaction here.
    input: { events: parsed.items.map((event) => ({ ...event, provider: transport.name })), groupCommit: true },
  });
  if (outcomes.includes("accepted")) input.onStored?.();
  return transport.eventsResponse(outcomes);
}
