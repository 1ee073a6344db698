import type { WebhookRequest, WebhookResponse } from "@/server/providers/types";
import type { SendingPublicContext } from "../context";
import { handleInboundSms } from "../inbound/handle-inbound-sms";

/**
 * An inbound-message webhook (`/api/webhooks/<provider>/inbound`): the SMS transport named
 * `provider` verifies the call and parses the texts, each handled by `handleInboundSms` (keywords,
 * routing, history); the answer carries the reply in the provider's format. A refused call stores
 * nothing. null when no SMS transport has that name. Invalid input throws (ZodError / INVALID),
 * no workspace receiving texts → UNAVAILABLE.
 */
export async function receiveInboundWebhook({
  ctx,
  input,
}: {
  ctx: SendingPublicContext;
  input: { provider: string; request: WebhookRequest };
}): Promise<WebhookResponse | null> {
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
