import { and, eq, isNull } from "drizzle-orm";
import { webhookEvents, type MessageRow } from "@/db/schema";
import type { JobContext } from "../context";
import { applyDeliveryEvent } from "./apply-delivery-event";
import { fromPayload, type WebhookProvider } from "./delivery-event";

/**
 * Claims and applies every unapplied event of `message` (caller holds the per-message lock and a
 * transaction, `ctx.db`). Shared with the webhook ingest, so an event that finds its message also
 * flushes older ones still waiting. `failed`: one of them moved the message to a failure (see
 * `applyDeliveryEvent`); the caller hands the message to the outbox's final-failure handling
 * after commit.
 */
export async function applyUnappliedEvents({
  ctx: { db: tx, now },
  input: { message, provider },
}: {
  ctx: JobContext;
  input: { message: MessageRow; provider: WebhookProvider };
}): Promise<{ applied: number; failed: boolean }> {
  const providerMessageId = message.providerMessageId!;
  const claimed = await tx
    .update(webhookEvents)
    .set({ appliedAt: now(), workspaceId: message.workspaceId })
    .where(
      and(
        eq(webhookEvents.provider, provider),
        eq(webhookEvents.providerMessageId, providerMessageId),
        isNull(webhookEvents.appliedAt),
      ),
    )
    .returning();
  claimed.sort(
    (a, b) =>
      (a.occurredAt ?? a.receivedAt).getTime() - (b.occurredAt ?? b.receivedAt).getTime() ||
      a.receivedAt.getTime() - b.receivedAt.getTime(),
  );
  let failed = false;
  for (const row of claimed) {
    const result = await applyDeliveryEvent({
      ctx: { db: tx, now },
      input: {
        message,
        event: {
          ...fromPayload(row.payload),
          provider,
          type: row.type,
          providerMessageId,
          occurredAt: row.occurredAt ?? row.receivedAt,
        },
      },
    });
    failed ||= result.failed;
  }
  return { applied: claimed.length, failed };
}
