import { randomUUID } from "node:crypto";
import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { logger } from "@/server/lib/logger";
import type { SendingPublicContext } from "@/server/services/context";
import {
  receiveDeliveryWebhook,
  wakeWebhookDrain,
  type WebhookRequest,
  type WebhookResponse,
} from "@/server/services/webhooks";
import { getOutbox } from "@/server/wiring";
import { readBodyText } from "./_body";

/**
 * The provider a webhook URL names: `/api/webhooks/<provider>`, `/api/webhooks/<provider>/status`,
 * `/api/webhooks/<provider>/inbound`. Read from the path, so the handlers need no route params.
 */
export function providerOf(request: Request): string {
  const segments = new URL(request.url).pathname.split("/");
  const segment = segments[segments.indexOf("webhooks") + 1] ?? "";
  try {
    return decodeURIComponent(segment);
  } catch {
    return "";
  }
}

/**
 * The HTTP request as the provider sees it (see `WebhookRequest`): the body is read once, at most
 * to the limit the provider asks for, before any signature check, so an unauthenticated caller
 * cannot make us buffer an arbitrarily large body.
 */
export function webhookRequest(request: Request, receivedAt: Date): WebhookRequest {
  const url = new URL(request.url);
  let body: Promise<string | null> | undefined;
  return {
    pathWithQuery: `${url.pathname}${url.search}`,
    headers: request.headers,
    readBody: (maxBytes) => (body ??= readBodyText(request, maxBytes)),
    receivedAt,
  };
}

/** The context of a webhook call: the process database, clock and outbox. */
export async function webhookContext(request: Request): Promise<SendingPublicContext> {
  const { db } = await getDbHandle();
  return { db, now: systemClock, outbox: getOutbox(), requestId: request.headers.get("x-request-id") ?? randomUUID() };
}

export function toResponse(answer: WebhookResponse): Response {
  return new Response(answer.body, {
    status: answer.status,
    headers: { "content-type": answer.contentType, "cache-control": "no-store" },
  });
}

export function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * A delivery-event webhook (`/api/webhooks/<provider>` and `/api/webhooks/<provider>/status`): the
 * provider's transport verifies and parses the call (on the background thread when it runs); its
 * events are stored once by their dedupe keys and the call is answered; the in-process drain,
 * woken (not awaited) when an event was new, applies them (never moving a message backwards;
 * events for messages not recorded yet wait for them).
 * Refusals (bad signature, not configured, too large) store nothing. Unknown provider → 404.
 */
export async function handleDeliveryWebhook(request: Request): Promise<Response> {
  try {
    const ctx = await webhookContext(request);
    const answer = await receiveDeliveryWebhook({
      ctx,
      input: {
        provider: providerOf(request),
        request: webhookRequest(request, systemClock()),
        onStored: () => wakeWebhookDrain({ db: ctx.db, now: ctx.now, outbox: ctx.outbox }),
      },
    });
    return answer ? toResponse(answer) : plain(404, "Not found");
  } catch (error) {
    logger.error({ err: error }, "delivery webhook failed");
    return plain(500, "Internal server error");
  }
}
