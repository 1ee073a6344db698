import { ZodError } from "zod";
import { systemClock } from "@/server/lib/clock";
import { AppError } from "@/server/lib/errors";
import { logger } from "@/server/lib/logger";
import { receiveInboundWebhook } from "@/server/services/webhooks";
import { plain, providerOf, toResponse, webhookContext, webhookRequest } from "../../_webhook";

export const dynamic = "force-dynamic";

/**
 * `POST /api/webhooks/<provider>/inbound`: texts sent to our numbers (Twilio's inbound SMS
 * webhook). Verified by the provider (bad or missing signature, or no auth token → 403, nothing
 * stored); the text is recorded and keywords are acted on; the answer carries the reply in the
 * provider's format (TwiML). A retry of the same message changes nothing and gets an empty answer.
 */
export async function POST(request: Request): Promise<Response> {
  try {
    const answer = await receiveInboundWebhook({
      ctx: await webhookContext(request),
      input: { provider: providerOf(request), request: webhookRequest(request, systemClock()) },
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
