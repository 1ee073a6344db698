import type { Queryable } from "@/db/client";
import type { Clock } from "@/server/lib/clock";
import type { EventOutcome, WebhookRequest, WebhookResponse } from "@/server/providers/types";
import { handleInboundSms } from "../inbound/handle-inbound-sms";
import type { Outbox } from "../messages/outbox";
import { ingestDeliveryEvent } from "./ingest-delivery-event";

export type { WebhookRequest, WebhookResponse } from "@/server/providers/types";

/** What a webhook needs: no workspace yet (the event or the number names it), no actor (the provider acts). */
export interface WebhookContext {
  db: Queryable;
  now: Clock;
  /** Its transports verify and parse the call; its final-failure handling runs the fallback of a message reported failed. */
  outbox: Outbox;
  requestId?: string;
}

/**
 * A delivery-event webhook (`/api/webhooks/<provider>` and `/api/webhooks/<provider>/status`):
 * the transport named `provider` (its receiver in `ctx.outbox`) verifies the call and parses its
 * events; each is stored once by its dedupe key and applied (see `ingestDeliveryEvent`); a
 * message an event moved to a failure (`failed`, `undelivered`, `bounced` after the hand-over)
 * then goes to the outbox's final-failure handling: the channel fallback it asked for, once (its
 * key makes a second report answer the first fallback). Answers in the provider's format; a
 * refused call (bad signature, not configured, too large, malformed) stores nothing. null when
 * no transport has that name.
 */
export async function receiveDeliveryWebhook(ctx: WebhookContext, input: { provider: string; request: WebhookRequest }): Promise<WebhookResponse | null> {
  const transport = ctx.outbox.receiver(input.provider);
  if (!transport) return null;
  const verified = await transport.verifyWebhook(input.request);
  if (!verified.ok) return verified.response;
  const parsed = await transport.parseEvents(input.request);
  if (!parsed.ok) return parsed.response;
  const outcomes: EventOutcome[] = [];
  for (const event of parsed.items) {
    const { outcome, failed } = await ingestDeliveryEvent(ctx.db, ctx.now, { ...event, provider: transport.name });
    outcomes.push(outcome);
    if (failed) await ctx.outbox.finalFailure(ctx, failed);
  }
  return transport.eventsResponse(outcomes);
}

/**
 * An inbound-message webhook (`/api/webhooks/<provider>/inbound`): the SMS transport named
 * `provider` verifies the call and parses the texts, each handled by `handleInboundSms` (keywords,
 * routing, history); the answer carries the reply in the provider's format. A refused call stores
 * nothing. null when no SMS transport has that name. Invalid input throws (ZodError / INVALID),
 * no workspace receiving texts → UNAVAILABLE.
 */
export async function receiveInboundWebhook(ctx: WebhookContext, input: { provider: string; request: WebhookRequest }): Promise<WebhookResponse | null> {
  const transport = ctx.outbox.receiver(input.provider);
  if (!transport || !("parseInbound" in transport)) return null;
  const verified = await transport.verifyWebhook(input.request);
  if (!verified.ok) return verified.response;
  const parsed = await transport.parseInbound(input.request);
  if (!parsed.ok) return parsed.response;
  let reply: string | null = null;
  for (const message of parsed.items) {
    const result = await handleInboundSms({
      ctx: { db: ctx.db, now: ctx.now, requestId: ctx.requestId },
      input: { messageSid: message.providerMessageId, from: message.from, to: message.to, body: message.body },
    });
    reply ??= result.reply;
  }
  return transport.inboundResponse(reply);
}
