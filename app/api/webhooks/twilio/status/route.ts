import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { logger } from "@/server/lib/logger";
import { twimlResponse } from "@/server/services/inbound/replies";
import { ingestDeliveryEvent } from "@/server/services/webhooks/ingest-delivery-event";
import { normalizeTwilioStatus } from "@/server/services/webhooks/twilio-status";
import { plain, readVerifiedTwilioForm, xml } from "../_request";

export const dynamic = "force-dynamic";

/**
 * `POST /api/webhooks/twilio/status`: Twilio's status callback (docs/contract.md, "Provider webhooks").
 * Bad or missing signature → 403, nothing stored. Each MessageSid + status (+ error code) is
 * stored once and applied to the message without moving it backwards; a callback for a message
 * not recorded yet is kept and applied when the send pipeline records its MessageSid.
 */
export async function POST(request: Request): Promise<Response> {
  const params = await readVerifiedTwilioForm(request);
  if (!params) return plain(403, "Forbidden");
  const event = normalizeTwilioStatus(params, systemClock());
  if (!event) return plain(400, "Bad request");
  try {
    const { db } = await getDbHandle();
    await ingestDeliveryEvent(db, systemClock, event);
    return xml(twimlResponse(null));
  } catch (error) {
    logger.error({ err: error }, "Twilio status webhook failed");
    return plain(500, "Internal server error");
  }
}
