import { handleDeliveryWebhook } from "../_webhook";

export const dynamic = "force-dynamic";

/**
 * `POST /api/webhooks/<provider>`: delivery events of an email provider (Resend: events delivered
 * by Svix, signed with RESEND_WEBHOOK_SECRET; see docs/api.md "Provider webhooks").
 */
export async function POST(request: Request): Promise<Response> {
  return handleDeliveryWebhook(request);
}
