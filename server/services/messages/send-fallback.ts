import { and, eq } from "drizzle-orm";
import { consentStates, messageEvents, type MessageRow } from "@/db/schema";
import { AppError } from "@/server/lib/errors";
import type { SendingContext, ServiceContext } from "../context";
import { dispatchMessages } from "./dispatch-messages";
import { fallbackKey, otherChannel, type FallbackAnswer } from "./fallback";
import { decryptRequest } from "./message-secrets";
import { recordSends } from "./record-sends";

async function noteSkipped(ctx: ServiceContext, parent: MessageRow, detail: Record<string, unknown>): Promise<void> {
  await ctx.db.insert(messageEvents).values({
    workspaceId: parent.workspaceId,
    messageId: parent.id,
    status: "fallback_skipped",
    source: "pipeline",
    detail: { channel: otherChannel(parent.channel), ...detail },
    occurredAt: ctx.now(),
  });
}

/**
 * When a message that asked for `fallback` is blocked or fails for good (at the decision, at
 * delivery, or later, reported by a webhook: undelivered, bounced), tries the other channel
 * (SMS ↔ email) for the same contact, topic, kind, content source and variables, through the same
 * pipeline (consent, suppression, quiet hours decided again). The new message carries
 * `parent_message_id` and relation `fallback`, never falls back itself, and has the key
 * `~fallback:<parent id>`, so however often this runs there is one fallback per message.
 *
 * Only tried where the contact consented on the other channel (opted in to the topic there;
 * transactional sends need no consent): otherwise a `fallback_skipped` event is added to the
 * parent's timeline and nothing is recorded. A template of the parent's channel cannot render on
 * the other one: such a fallback is skipped the same way (inline content works both ways).
 */
export async function sendFallback({
  ctx,
  input: { parent },
}: {
  ctx: SendingContext;
  input: { parent: MessageRow };
}): Promise<FallbackAnswer | null> {
  if (parent.relation === "fallback" || !parent.contactId || !parent.topicKey || !parent.topicId) return null;
  const stored = decryptRequest((parent.options as { request?: unknown }).request);
  if (!stored) return null;
  const channel = otherChannel(parent.channel);

  if (parent.kind === "marketing") {
    const [consent] = await ctx.db
      .select({ status: consentStates.status })
      .from(consentStates)
      .where(
        and(
          eq(consentStates.workspaceId, parent.workspaceId),
          eq(consentStates.contactId, parent.contactId),
          eq(consentStates.channel, channel),
          eq(consentStates.topicId, parent.topicId),
        ),
      );
    if (consent?.status !== "opted_in") {
      await noteSkipped(ctx, parent, { reason: "no_consent" });
      return null;
    }
  }

  const [outcome] = await recordSends({
    ctx,
    input: {
      requests: [
        {
          recipient: { contactId: parent.contactId },
          channel,
          topicKey: parent.topicKey,
          kind: parent.kind === "transactional" ? "transactional" : "marketing",
          source: stored.source,
          variables: stored.variables,
          idempotencyKey: fallbackKey(parent.id),
          requestHash: null,
          fallback: false,
          deferOnQuietHours: Boolean((parent.options as { deferOnQuietHours?: boolean }).deferOnQuietHours),
          parentMessageId: parent.id,
          relation: "fallback",
        },
      ],
    },
  });
  if (!outcome!.ok) {
    const error = outcome!.error;
    await noteSkipped(ctx, parent, {
      reason: "not_recordable",
      code: error instanceof AppError ? error.code : "ERROR",
      message: error.message,
    });
    return null;
  }
  const send = outcome!.send;
  if (send.isNew && send.status === "queued")
    dispatchMessages({ ctx, input: { messages: [{ id: send.messageId, workspaceId: send.workspaceId }] } });
  return {
    messageId: send.messageId,
    channel: send.channel,
    status: send.answer.status,
    ...(send.answer.reason ? { reason: send.answer.reason } : {}),
  };
}
