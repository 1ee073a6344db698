import { z } from "zod";
import type { NormalizedDeliveryEvent } from "./delivery-event";

const ZResendEvent = z.object({
  type: z.string().max(64),
  created_at: z.string().optional(),
  data: z
    .object({
      email_id: z.string().max(128).optional(),
      created_at: z.string().optional(),
      bounce: z.object({ type: z.string().optional(), subType: z.string().optional(), message: z.string().optional() }).partial().optional(),
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
export function normalizeResendEvent(svixId: string, body: unknown, receivedAt: Date): NormalizedDeliveryEvent | null {
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
