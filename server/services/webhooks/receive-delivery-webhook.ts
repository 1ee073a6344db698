import type { EventOutcome, WebhookRequest, WebhookResponse } from "@/server/providers/types";
import type { SendingPublicContext } from "../context";
import { ingestDeliveryEvent } from "./ingest-delivery-event";

export type { WebhookRequest, WebhookResponse } from "@/server/providers/types";

/**
 * A delivery-event webhook (`/api/webhooks/<provider>` and `/api/webhooks/<provider>/status`):
 * the transport named `provider` (its receiver in `ctx.outbox`) verifies the call and parses its
 * events; each is stored once by its dedupe key and applied (see `ingestDeliveryEvent`); a
 * message an event moved to a failure (`failed`, `undelivered`, `bounced` after the hand-over)
 * then goes to the outbox's final-failure handling: the channel fallback it asked for, once (its
 * key makes a second report answer the first fallback). Answers in the provider's format; a
 * refused call (bad signature, not configured, too large, malformed) stores nothing. null when
 * no transport has that name. No workspace yet (the event names it), no actor (the provider acts).
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
  const outcomes: EventOutcome[] = [];
  for (const event of parsed.items) {
    const { outcome, failed } = await ingestDeliveryEvent({
      ctx: { db: ctx.db, now: ctx.now },
      input: { ...event, provider: transport.name },
    });
    outcomes.push(outcome);
    if (failed) await ctx.outbox.finalFailure(ctx, failed);
  }
  return transport.eventsResponse(outcomes);
}
