import { and, eq, inArray, isNull } from "drizzle-orm";
import { messages, webhookEvents, type MessageRow } from "@/db/schema";
import { lockKeysInOrder } from "@/server/lib/advisory-locks";
import type { JobContext } from "../context";
import { applyUnappliedEvents } from "./apply-unapplied-events";
import type { WebhookProvider } from "./delivery-event";
import { providerMessageLockKey } from "./lock";

/**
 * `applyPendingWebhookEvents` for many provider messages at once, in the caller's transaction
 * (`ctx.db`) right after their provider ids were recorded: the per-message locks (sorted, so two
 * callers never deadlock) and the lookup of which ones have events waiting go in one round trip;
 * only those are then applied. Returns how many events were applied, and the messages they moved
 * to a failure (for the outbox's final-failure handling once the caller's transaction commits).
 */
export async function applyPendingWebhookEventsFor({
  ctx: { db: tx, now },
  input: { accepted },
}: {
  ctx: JobContext;
  input: { accepted: { provider: WebhookProvider; providerMessageId: string }[] };
}): Promise<{ applied: number; failed: MessageRow[] }> {
  if (accepted.length === 0) return { applied: 0, failed: [] };
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
      .where(
        and(
          eq(messages.transport, provider),
          eq(messages.providerMessageId, row.providerMessageId),
          eq(messages.direction, "outbound"),
        ),
      )
      .limit(1);
    if (!message) continue;
    const result = await applyUnappliedEvents({ ctx: { db: tx, now }, input: { message, provider } });
    applied += result.applied;
    if (result.failed) failed.push(message);
  }
  return { applied, failed };
}
