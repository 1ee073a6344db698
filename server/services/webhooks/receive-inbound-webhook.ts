import type { WebhookRequest, WebhookResponse } from "@/server/providers/types";
import type { SendingPublicContext } from "../context";
import { handleInboundSms } from "../inbound/handle-inbound-sms";
import { canDeferInbound, storeInboundText } from "../inbound/stored-inbound-texts";
import { handOffWebhook } from "./buffered-webhook-call";

/**
 * An inbound-message webhook (`/api/webhooks/<provider>/inbound`): the SMS transport named
 * `provider` verifies the call and parses the texts. Keywords (STOP, START, HELP…) are handled
 * before the answer by `handleInboundSms` (consent, routing, history) and the answer carries the
 * reply in the provider's format; a plain reply is acknowledged once stored (`storeInboundText`)
 * and applied by the webhook drain, woken through `onStored`. A refused call stores nothing. null
 * when no SMS transport has that name. Invalid input throws (ZodError / INVALID), no workspace
 * receiving texts → UNAVAILABLE.
 *
 * When the background thread runs for `ctx.db` (PostgreSQL), the call is read here and taken
 * whole by the thread, with its own connections (a keyword's ~26 round trips then do not wait
 * behind the requests queued on this event loop); the answer it returns is the answer. If the
 * thread stops before answering, the call is taken here instead: a keyword claims its MessageSid
 * in its transaction, so one the thread had committed is found as a duplicate and changes nothing.
 */
export async function receiveInboundWebhook({
  ctx,
  input,
}: {
  ctx: SendingPublicContext;
  /** `onStored`: called once when the call stored a plain reply for the drain (the route wakes it). */
  input: { provider: string; request: WebhookRequest; onStored?: () => void };
}): Promise<WebhookResponse | null> {
  const handed = await handOffWebhook(ctx.db, "inbound", input.provider, input.request, ctx.requestId);
  if (handed.answered) return handed.answer;
  const request = handed.request;
  const transport = ctx.outbox.receiver(input.provider);
  if (!transport || !("parseInbound" in transport)) return null;
  const verified = await transport.verifyWebhook(request);
  if (!verified.ok) return verified.response;
  const parsed = await transport.parseInbound(request);
  if (!parsed.ok) return parsed.response;
  let reply: string | null = null;
  let stored = false;
  for (const message of parsed.items) {
    const text = { messageSid: message.providerMessageId, from: message.from, to: message.to, body: message.body };
    const inner = { db: ctx.db, now: ctx.now, requestId: ctx.requestId };
    if (canDeferInbound(message.body)) {
      stored = (await storeInboundText({ ctx: inner, input: text })) === "accepted" || stored;
      continue;
    }
    const result = await handleInboundSms({ ctx: inner, input: text });
    reply ??= result.reply;
  }
  if (stored) input.onStored?.();
  return transport.inboundResponse(reply);
}
