import type { WebhookRequest, WebhookResponse } from "@/server/providers/types";
import type { SendingPublicContext } from "../context";
import { handleInboundSms, ZInboundSmsInput, type TInboundSmsInput } from "../inbound/handle-inbound-sms";
import { canDeferInbound, storeInboundText } from "../inbound/stored-inbound-texts";
import { backgroundThread, BackgroundThreadGone } from "../background-thread";

/**
 * An inbound-message webhook (`/api/webhooks/<provider>/inbound`): the SMS transport named
 * `provider` verifies the call and parses the texts. Keywords (STOP, START, HELP…) are handled
 * before the answer by `handleInboundSms` (consent, routing, history) and the answer carries the
 * reply in the provider's format; a plain reply is acknowledged once stored (`storeInboundText`)
 * and applied by the webhook drain the route wakes. A refused call stores nothing. null when no SMS transport has that name. Invalid input throws (ZodError / INVALID),
 * no workspace receiving texts → UNAVAILABLE.
 */
export async function receiveInboundWebhook({
  ctx,
  input,
}: {
  ctx: SendingPublicContext;
  /** `onStored`: called once when the call stored a plain reply for the drain (the route wakes it). */
  input: { provider: string; request: WebhookRequest; onStored?: () => void };
}): Promise<WebhookResponse | null> {
  const transport = ctx.outbox.receiver(input.provider);
  if (!transport || !("parseInbound" in transport)) return null;
  const verified = await transport.verifyWebhook(input.request);
  if (!verified.ok) return verified.response;
  const parsed = await transport.parseInbound(input.request);
  if (!parsed.ok) return parsed.response;
  let reply: string | null = null;
  let stored = false;
  for (const message of parsed.items) {
    const input = { messageSid: message.providerMessageId, from: message.from, to: message.to, body: message.body };
    const inner = { db: ctx.db, now: ctx.now, requestId: ctx.requestId };
    if (canDeferInbound(message.body)) {
      stored = (await storeInboundText({ ctx: inner, input })) === "accepted" || stored;
      continue;
    }
    const result = await handleKeyword(inner, input);
    reply ??= result.reply;
  }
  if (stored) input.onStored?.();
  return transport.inboundResponse(reply);
}

/**
 * A keyword, handled before the answer: on the background thread when it runs (its
 * round trips then do not wait behind the acknowledgements queued on this event loop), else here.
 * The input is validated here first, so a malformed call is refused the same way on both paths.
 */
async function handleKeyword(
  ctx: { db: SendingPublicContext["db"]; now: SendingPublicContext["now"]; requestId?: string },
  raw: TInboundSmsInput,
): Promise<{ reply: string | null }> {
  const thread = backgroundThread(ctx.db);
  if (thread) {
    const input = ZInboundSmsInput.parse(raw);
    try {
      return await thread.handleInbound(input, ctx.requestId);
    } catch (error) {
      // The thread stopped before answering: its transaction either committed (the MessageSid is
      // claimed, so this finds a duplicate and changes nothing) or rolled back (done here instead).
      if (!(error instanceof BackgroundThreadGone)) throw error;
    }
  }
  return handleInboundSms({ ctx, input: raw });
}
