import { z } from "zod";
import {
  jsonResponse,
  type DeliveryEvent,
  type EventOutcome,
  type ParsedWebhook,
  type WebhookReceiver,
  type WebhookRequest,
  type WebhookVerification,
} from "../../types";
import { verifySvixRequest } from "./svix";

const ZResendEvent = z.object({
  type: z.string().max(64),
  created_at: z.string().optional(),
  data: z
    .object({
      email_id: z.string().max(128).optional(),
      created_at: z.string().optional(),
      bounce: z
        .object({ type: z.string().optional(), subType: z.string().optional(), message: z.string().optional() })
        .partial()
        .optional(),
      click: z.object({ link: z.string().optional() }).partial().optional(),
    })
    .passthrough(),
});

function eventTime(...candidates: (string | undefined)[]): Date | null {
  for (const value of candidates) {
    if (!value) continue;
    const at = new Date(value);
    if (!Number.isNaN(at.getTime())) return at;
  }
  return null;
}

/** `Permanent` (Resend / SES) or `hard`: the address does not exist and must not be tried again. */
export function isHardBounce(type: string | undefined): boolean {
  const value = (type ?? "").toLowerCase();
  return value === "permanent" || value === "hard";
}

/** The clicked link without its query string or fragment (they may carry personal tokens). */
function linkWithoutQuery(link: string | undefined): string | undefined {
  if (!link) return undefined;
  try {
    const url = new URL(link);
    return `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}

/**
 * A Resend webhook (already verified) as a delivery event; null when it is not about an email we
 * could have sent (domain and contact events, or no `email_id`). Dedupe key = the svix id.
 * - `email.sent` → sent, `email.delivered` → delivered, `email.failed` → failed,
 *   `email.scheduled` → queued;
 * - `email.bounced` → bounced; a hard (permanent) bounce also suppresses the address;
 * - `email.complained` → complained, suppression and opt-out of every marketing email topic;
 * - `email.opened`, `email.clicked`, `email.delivery_delayed` and unknown `email.*` types →
 *   timeline only (no status change).
 */
export function normalizeResendEvent(svixId: string, body: unknown, receivedAt: Date): DeliveryEvent | null {
  const parsed = ZResendEvent.safeParse(body);
  if (!parsed.success) return null;
  const { type, data } = parsed.data;
  if (!type.startsWith("email.") || !data.email_id) return null;
  const base = {
    provider: "resend" as const,
    dedupeKey: svixId,
    type,
    providerMessageId: data.email_id,
    occurredAt: eventTime(parsed.data.created_at, data.created_at) ?? receivedAt,
  };
  switch (type) {
    case "email.scheduled":
      return { ...base, status: "queued", timeline: "queued", effect: null, detail: {} };
    case "email.sent":
      return { ...base, status: "sent", timeline: "sent", effect: null, detail: {} };
    case "email.delivered":
      return { ...base, status: "delivered", timeline: "delivered", effect: null, detail: {} };
    case "email.failed":
      return { ...base, status: "failed", timeline: "failed", effect: null, detail: {} };
    case "email.bounced": {
      const hard = isHardBounce(data.bounce?.type);
      return {
        ...base,
        status: "bounced",
        timeline: "bounced",
        effect: hard ? "hard_bounce" : null,
        detail: {
          bounceType: hard ? "hard" : "soft",
          ...(data.bounce?.type ? { resendBounceType: data.bounce.type.slice(0, 40) } : {}),
          ...(data.bounce?.subType ? { bounceSubType: data.bounce.subType.slice(0, 40) } : {}),
        },
      };
    }
    case "email.complained":
      return { ...base, status: "complained", timeline: "complained", effect: "complaint", detail: {} };
    case "email.clicked": {
      const link = linkWithoutQuery(data.click?.link);
      return { ...base, status: null, timeline: "clicked", effect: null, detail: link ? { link } : {} };
    }
    default:
      // email.opened, email.delivery_delayed, and types Resend may add later.
      return { ...base, status: null, timeline: type.slice("email.".length), effect: null, detail: {} };
  }
}

/** Resend events are small JSON documents; anything this large is not one. */
export const MAX_RESEND_BODY_BYTES = 256 * 1024;

/**
 * Resend's webhooks (`POST /api/webhooks/resend`), delivered by Svix: no secret configured → 503;
 * body over 256 KB → 413; bad signature, missing headers or a timestamp more than 5 minutes off →
 * 401. A verified call holds one event (none when it is not about an email: domain and contact
 * events), deduplicated by its svix id; the answer is JSON `{ received, outcome }`.
 */
export function createResendWebhooks(config: { webhookSecret?: string }): WebhookReceiver {
  const refuse = (status: number, error: string): WebhookVerification => ({
    ok: false,
    response: jsonResponse(status, { error }),
  });
  return {
    async verifyWebhook(request: WebhookRequest): Promise<WebhookVerification> {
      if (!config.webhookSecret) return refuse(503, "Resend webhooks are not configured");
      const body = await request.readBody(MAX_RESEND_BODY_BYTES);
      if (body === null) return refuse(413, "Body too large");
      const verification = verifySvixRequest({
        secret: config.webhookSecret,
        headers: request.headers,
        body,
        now: request.receivedAt,
      });
      return verification.ok ? { ok: true } : refuse(401, "Invalid signature");
    },
    async parseEvents(request: WebhookRequest): Promise<ParsedWebhook<DeliveryEvent>> {
      const body = (await request.readBody(MAX_RESEND_BODY_BYTES)) ?? "";
      const id = request.headers.get("svix-id") ?? request.headers.get("webhook-id") ?? "";
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        return { ok: false, response: jsonResponse(400, { error: "Body is not JSON" }) };
      }
      const event = normalizeResendEvent(id, payload, request.receivedAt);
      return { ok: true, items: event ? [event] : [] };
    },
    eventsResponse(outcomes: EventOutcome[]) {
      return jsonResponse(
        200,
        outcomes.length === 0 ? { received: true, ignored: true } : { received: true, outcome: outcomes[0] },
      );
    },
  };
}
