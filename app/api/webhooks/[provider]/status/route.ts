import { handleDeliveryWebhook } from "../../_webhook";

export const dynamic = "force-dynamic";

/**
 * `POST /api/webhooks/<provider>/status`: delivery-status callbacks of an SMS provider (Twilio's
 * `statusCallback`; `X-Twilio-Signature` over PUBLIC_URL + this path, bad or missing → 403).
 */
export async function POST(request: Request): Promise<Response> {
  return handleDeliveryWebhook(request);
}
