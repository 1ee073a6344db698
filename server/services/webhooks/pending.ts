import { and, eq, isNull } from "drizzle-orm";
import { messages, webhookEvents, type MessageRow } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { systemClock, type Clock } from "@/server/lib/clock";
import { inTransaction } from "../context";
import { applyDeliveryEvent } from "./apply-delivery-event";
import { fromPayload, type WebhookProvider } from "./delivery-event";
import { lockProviderMessage } from "./lock";

/**
 * Applies the stored-but-unapplied webhook events of one provider message (events that arrived
 * before the send pipeline recorded the provider id), in the order they occurred, and marks them
 * applied. Returns how many were applied; 0 when the message is still unknown.
 *
 * Call it right after recording a provider message id, in that transaction or after it commits.
 * Takes the same per-(provider, id) advisory lock as the webhook ingest, and claims rows with
 * `UPDATE … WHERE applied_at IS NULL`, so concurrent callers and retries apply each event once.
 * Status changes go through `applyMessageStatus` (never backwards); bounce and complaint effects
 * are audited as the provider.
 */
export async function applyPendingWebhookEvents(
  db: Queryable,
  input: { provider: WebhookProvider; providerMessageId: string },
  options: { now?: Clock } = {},
): Promise<number> {
  const now = options.now ?? systemClock;
  return inTransaction(db, async (tx) => {
    await lockProviderMessage(tx, input.provider, input.providerMessageId);
    const [message] = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.transport, input.provider), eq(messages.providerMessageId, input.providerMessageId)))
      .limit(1);
    if (!message) return 0;
    return applyUnappliedEvents(tx, now, message, input.provider);
  });
}

/**
 * Claims and applies every unapplied event of `message` (caller holds the per-message lock and a
 * transaction). Shared with the webhook ingest, so an event that finds its message also flushes
 * older ones still waiting.
 */
export async function applyUnappliedEvents(tx: Queryable, now: Clock, message: MessageRow, provider: WebhookProvider): Promise<number> {
  const providerMessageId = message.providerMessageId!;
  const claimed = await tx
    .update(webhookEvents)
    .set({ appliedAt: now(), workspaceId: message.workspaceId })
    .where(and(eq(webhookEvents.provider, provider), eq(webhookEvents.providerMessageId, providerMessageId), isNull(webhookEvents.appliedAt)))
    .returning();
  claimed.sort(
    (a, b) =>
      (a.occurredAt ?? a.receivedAt).getTime() - (b.occurredAt ?? b.receivedAt).getTime() ||
      a.receivedAt.getTime() - b.receivedAt.getTime(),
  );
  for (const row of claimed) {
    await applyDeliveryEvent(tx, now, message, {
      ...fromPayload(row.payload),
      provider,
      type: row.type,
      providerMessageId,
      occurredAt: row.occurredAt ?? row.receivedAt,
    });
  }
  return claimed.length;
}
