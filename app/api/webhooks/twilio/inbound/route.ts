import { ZodError } from "zod";
import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { AppError } from "@/server/lib/errors";
import { logger } from "@/server/lib/logger";
import { handleInboundSms } from "@/server/services/inbound/handle-inbound-sms";
import { twimlResponse } from "@/server/services/inbound/replies";
import { plain, readVerifiedTwilioForm, xml } from "../_request";

export const dynamic = "force-dynamic";

/**
 * `POST /api/webhooks/twilio/inbound`: Twilio's inbound SMS webhook (docs/contract.md, "Provider webhooks").
 * Bad or missing `X-Twilio-Signature` (or no TWILIO_AUTH_TOKEN) → 403 and nothing is stored.
 * Otherwise the text is recorded and keywords are acted on; the answer is TwiML with the reply
 * (opt-out / opt-in confirmation, help) or an empty `<Response/>`. A Twilio retry of the same
 * MessageSid changes nothing and gets an empty answer.
 */
export async function POST(request: Request): Promise<Response> {
  const params = await readVerifiedTwilioForm(request);
  if (!params) return plain(403, "Forbidden");
  try {
    const { db } = await getDbHandle();
    const result = await handleInboundSms(
      { db, now: systemClock },
      { messageSid: params.MessageSid ?? params.SmsSid ?? "", from: params.From ?? "", to: params.To ?? "", body: params.Body ?? "" },
    );
    return xml(twimlResponse(result.reply));
  } catch (error) {
    if (error instanceof ZodError || (error instanceof AppError && error.code === "INVALID")) return plain(400, "Bad request");
    if (error instanceof AppError && error.code === "UNAVAILABLE") return plain(503, "Not ready");
    logger.error({ err: error }, "inbound SMS webhook failed");
    return plain(500, "Internal server error");
  }
}
