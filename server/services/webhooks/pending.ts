import { and, eq, inArray, isNull } from "drizzle-orm";
import { messages, webhookEvents, type MessageRow } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { systemClock, type Clock } from "@/server/lib/clock";
import { lockKeysInOrder } from "@/server/lib/advisory-locks";
import { inTransaction } from "../context";
import { applyDeliveryEvent } from "./apply-delivery-event";
import type { Outbox } from "../messages/outbox";
import { fromPayload, type WebhookProvider } from "./delivery-event";
import { providerMessageLockKey } from "./lock";

/**
 * Applies the stored-but-unapplied webhook events of one provider message (events that arrived
 * before the send pipeline recorded the provider id), in the order they occurred, and marks them
 * applied. Returns how many were applied; 0 when the message is still unknown.
 *
 * Call it right after recording a provider message id, in that transaction or after it commits.
 * Takes the same per-(provider, id) advisory lock as the webhook ingest, and claims rows with
 * `UPDATE … WHERE applied_at IS NULL`, so concurrent callers and retries apply each event once.
 * Status changes go through `applyMessageStatus` (never backwards); bounce and complaint effects
 * are audited as the provider. With `outbox`, a failure among them (bounced, undelivered) goes to
 * its final-failure handling (channel fallback) after commit.
 */
export async function applyPendingWebhookEvents(
  db: Queryable,
  input: { provider: WebhookProvider; providerMessageId: string },
  options: { now?: Clock; outbox?: Outbox } = {},
): Promise<number> {
  const { applied, failed } = await inTransaction(db, (tx) => applyPendingWebhookEventsFor(tx, [input], options));
  if (options.outbox && !("rollback" in db)) {
    for (const message of failed) await options.outbox.finalFailure({ db, now: options.now ?? systemClock }, message);
  }
  return applied;
}

/**
 * Claims and applies every unapplied event of `message` (caller holds the per-message lock and a
 * transaction). Shared with the webhook ingest, so an event that finds its message also flushes
 * older ones still waiting. `failed`: one of them moved the message to a failure (see
 * `applyDeliveryEvent`); the caller hands the message to the outbox's final-failure handling
 * after commit.
 */
export async function applyUnappliedEvents(tx: Queryable, now: Clock, message: MessageRow, provider: WebhookProvider): Promise<{ applied: number; failed: boolean }> {
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
  let failed = false;
  for (const row of claimed) {
    const result = await applyDeliveryEvent(tx, now, message, {
      ...fromPayload(row.payload),
      provider,
      type: row.type,
      providerMessageId,
      occurredAt: row.occurredAt ?? row.receivedAt,
    });
    failed ||= result.failed;
  }
  return { applied: claimed.length, failed };
}

/**
 * `applyPendingWebhookEvents` for many provider messages at once, in the caller's transaction
 * right after their provider ids were recorded: the per-message locks (sorted, so two callers
 * never deadlock) and the lookup of which ones have events waiting go in one round trip; only
 * those are then applied. Returns how many events were applied, and the messages they moved to a
 * failure (for the outbox's final-failure handling once the caller's transaction commits).
 */
export async function applyPendingWebhookEventsFor(
  tx: Queryable,
  accepted: { provider: WebhookProvider; providerMessageId: string }[],
  options: { now?: Clock } = {},
): Promise<{ applied: number; failed: MessageRow[] }> {
  if (accepted.length === 0) return { applied: 0, failed: [] };
  const now = options.now ?? systemClock;
  // Handed to the connection before the lookup, which therefore runs once every lock is held.
  const locked = lockKeysInOrder(
    tx,
    accepted.map((a) => providerMessageLockKey(a.provider, a.providerMessageId)),
  );
  const [, waiting] = await Promise.all([
    locked,
    tx
      .selectDistinct({ provider: webhookEvents.provider, providerMessageId: webhookEvents.providerMessageId })
      .from(webhookEvents)
      .where(
        and(
          isNull(webhookEvents.appliedAt),
          inArray(webhookEvents.provider, [...new Set(accepted.map((a) => a.provider))]),
          inArray(webhookEvents.providerMessageId, [...new Set(accepted.map((a) => a.providerMessageId))]),
        ),
      ),
  ]);
  const wanted = new Set(accepted.map((a) => `${a.provider}:${a.providerMessageId}`));
  let applied = 0;
  const failed: MessageRow[] = [];
  for (const row of waiting) {
    if (!row.providerMessageId || !wanted.has(`${row.provider}:${row.providerMessageId}`)) continue;
    const provider = row.provider;
    const [message] = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.transport, provider), eq(messages.providerMessageId, row.providerMessageId), eq(messages.direction, "outbound")))
      .limit(1);
    if (!message) continue;
    const result = await applyUnappliedEvents(tx, now, message, provider);
    applied += result.applied;
    if (result.failed) failed.push(message);
  }
  return { applied, failed };
}
