import { ZodError } from "zod";
import { systemClock } from "@/server/lib/clock";
import { AppError } from "@/server/lib/errors";
import { logger } from "@/server/lib/logger";
import { receiveInboundWebhook, wakeWebhookDrain } from "@/server/services/webhooks";
import { plain, providerOf, toResponse, webhookContext, webhookRequest } from "../../_webhook";

export const dynamic = "force-dynamic";

/**
 * `POST /api/webhooks/<provider>/inbound`: texts sent to our numbers (Twilio's inbound SMS
 * webhook). Verified by the provider (bad or missing signature, or no auth token → 403, nothing
 * stored); keywords are acted on before the answer, which carries the reply in the provider's
 * format (TwiML); a plain reply is stored, answered with an empty TwiML, and recorded moments later
 * by the webhook drain woken here. A retry of the same message changes nothing and gets an empty answer.
 */
export async function POST(request: Request): Promise<Response> {
  try {
    const ctx = await webhookContext(request);
    const answer = await receiveInboundWebhook({
      ctx,
      input: {
        provider: providerOf(request),
        request: webhookRequest(request, systemClock()),
        // A plain reply is stored and recorded by the drain (keywords were handled before answering).
        onStored: () => wakeWebhookDrain({ db: ctx.db, now: ctx.now, outbox: ctx.outbox }),
      },
    });
    return answer ? toResponse(answer) : plain(404, "Not found");
  } catch (error) {
    if (error instanceof ZodError || (error instanceof AppError && error.code === "INVALID"))
      return plain(400, "Bad request");
    if (error instanceof AppError && error.code === "UNAVAILABLE") return plain(503, "Not ready");
    logger.error({ err: error }, "inbound webhook failed");
    return plain(500, "Internal server error");
  }
}
