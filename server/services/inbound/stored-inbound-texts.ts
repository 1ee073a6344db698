import { and, asc, isNull, eq } from "drizzle-orm";
import { webhookEvents } from "@/db/schema";
import { decryptPii, encryptPii } from "@/server/lib/crypto";
import { AppError } from "@/server/lib/errors";
import { logger } from "@/server/lib/logger";
import type { PublicContext } from "../context";
import { MESSAGE_PII_PURPOSE } from "../messages/message-view";
import { classifyInbound } from "./classify-inbound";
import { claimInbound, handleInboundSms, ZInboundSmsInput, type TInboundSmsInput } from "./handle-inbound-sms";
import { findInboundWorkspaces } from "./inbound-workspace";

/** Stored texts applied per drain round (each one is its own short transaction). */
export const STORED_INBOUND_BATCH = 100;

/**
 * Whether an inbound text can be acknowledged before it is applied: only a plain reply, which
 * changes no consent and gets no answer. Keywords (STOP, START, HELP and their phrasings) are
 * handled before the answer: their reply goes back in it, and a STOP must hold for the next send.
 */
export function canDeferInbound(body: string): boolean {
  return classifyInbound(body).kind === "other";
}

/**
 * Acknowledge-then-apply for a plain inbound reply: validates it like `handleInboundSms`, checks
 * that a workspace receives texts (UNAVAILABLE otherwise, as the synchronous path answers), and
 * stores it under its MessageSid claim (`inbound:<sid>` in `webhook_events`, provider `twilio`)
 * with `applied_at` null, its sender and body encrypted. One read and one INSERT. `duplicate`
 * when the MessageSid was stored or handled before (a Twilio retry). The webhook drain applies it
 * (`applyStoredInboundTexts`).
 */
export async function storeInboundText({
  ctx,
  input: rawInput,
}: {
  ctx: PublicContext;
  input: TInboundSmsInput;
}): Promise<"accepted" | "duplicate"> {
  const input = ZInboundSmsInput.parse(rawInput);
  const candidates = await findInboundWorkspaces(ctx.db, input.to);
  if (candidates.length === 0) throw new AppError("UNAVAILABLE", "No workspace receives inbound SMS yet");
  const stored = await claimInbound(
    ctx.db,
    input,
    {
      classification: "other",
      // Dropped when the text is applied (it is then in the message row, encrypted the same way).
      from: encryptPii(input.from, MESSAGE_PII_PURPOSE.address),
      body: input.body ? encryptPii(input.body, MESSAGE_PII_PURPOSE.text) : null,
    },
    ctx.now(),
    null,
  );
  return stored ? "accepted" : "duplicate";
}

/**
 * Applies stored inbound replies, oldest first, each through `handleInboundSms` in its own
 * transaction (routing, history, reply attribution; the sender's lock, as every inbound text
 * takes). Exactly once: the claim is marking the stored row applied inside that transaction, so a
 * second drain running the same text finds it applied and changes nothing. A text that fails is
 * logged (by id) and left for the next round. Returns how many were applied.
 */
export async function applyStoredInboundTexts({
  ctx,
  input: { limit = STORED_INBOUND_BATCH } = {},
}: {
  ctx: PublicContext;
  input?: { limit?: number };
}): Promise<number> {
  const waiting = await ctx.db
    .select({
      id: webhookEvents.id,
      providerMessageId: webhookEvents.providerMessageId,
      payload: webhookEvents.payload,
      receivedAt: webhookEvents.receivedAt,
    })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.appliedAt), eq(webhookEvents.type, "inbound")))
    .orderBy(asc(webhookEvents.receivedAt), asc(webhookEvents.id))
    .limit(limit);
  let applied = 0;
  for (const event of waiting) {
    const payload = event.payload;
    try {
      const result = await handleInboundSms({
        ctx,
        input: {
          messageSid: event.providerMessageId ?? "",
          from: decryptPii(String(payload.from), MESSAGE_PII_PURPOSE.address),
          to: typeof payload.to === "string" ? payload.to : "",
          body: typeof payload.body === "string" ? decryptPii(payload.body, MESSAGE_PII_PURPOSE.text) : "",
        },
        stored: { eventId: event.id, receivedAt: event.receivedAt },
      });
      if (!result.isDuplicate) applied++;
    } catch (error) {
      logger.error({ err: error, webhookEventId: event.id }, "stored inbound text could not be applied; retried later");
    }
  }
  return applied;
}
