import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { getEnv } from "@/server/lib/env";
import { logger } from "@/server/lib/logger";
import { ingestDeliveryEvent } from "@/server/services/webhooks/ingest-delivery-event";
import { normalizeResendEvent } from "@/server/services/webhooks/resend-events";
import { verifySvixRequest } from "@/server/services/webhooks/svix";
import { readBodyText } from "../_body";

/** Resend events are small JSON documents; anything this large is not one. */
const MAX_RESEND_BODY_BYTES = 256 * 1024;

export const dynamic = "force-dynamic";

function json(status: number, body: Record<string, unknown>): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

/**
 * `POST /api/webhooks/resend`: Resend events delivered by Svix (docs/contract.md, "Provider webhooks").
 * No RESEND_WEBHOOK_SECRET → 503. Bad signature, missing headers or a timestamp more than 5
 * minutes off → 401 and nothing stored. The svix-id is the dedupe key: a redelivery answers 200
 * and changes nothing. Events for emails not recorded yet are kept and applied later.
 */
export async function POST(request: Request): Promise<Response> {
  const secret = getEnv().RESEND_WEBHOOK_SECRET;
  if (!secret) return json(503, { error: "Resend webhooks are not configured" });
  const body = await readBodyText(request, MAX_RESEND_BODY_BYTES);
  if (body === null) return json(413, { error: "Body too large" });
  const now = systemClock();
  const verification = verifySvixRequest({ secret, headers: request.headers, body, now });
  if (!verification.ok) return json(401, { error: "Invalid signature" });

  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return json(400, { error: "Body is not JSON" });
  }
  const event = normalizeResendEvent(verification.id, payload, now);
  if (!event) return json(200, { received: true, ignored: true });
  try {
    const { db } = await getDbHandle();
    const outcome = await ingestDeliveryEvent(db, systemClock, event);
    return json(200, { received: true, outcome });
  } catch (error) {
    logger.error({ err: error }, "Resend webhook failed");
    return json(500, { error: "Internal server error" });
  }
}
