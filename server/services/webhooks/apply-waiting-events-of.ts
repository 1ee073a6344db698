import { and, eq, isNull } from "drizzle-orm";
import { webhookEvents, type MessageRow } from "@/db/schema";
import { inTransaction, type ServiceContext } from "../context";
import { applyPendingWebhookEventsFor } from "./apply-pending-webhook-events-for";

/**
 * Read-your-webhooks for one message: before a single message is shown (`GET /messages/{id}`,
 * the message page), the delivery events of it still waiting for the background drain are
 * applied now, under the same per-message lock and exactly-once claim as the drain (a drain that
 * holds them already makes this wait, then find nothing). One indexed probe when nothing waits.
 * Returns whether anything was applied (the caller reads the row again). A message the events
 * moved to a failure goes to the outbox's final-failure handling after commit, as in the drain.
 */
export async function applyWaitingEventsOf({
  ctx,
  input: { message },
}: {
  ctx: ServiceContext;
  input: { message: MessageRow };
}): Promise<boolean> {
  if (message.direction !== "outbound" || !message.providerMessageId || !message.transport) return false;
  const provider = message.transport;
  const providerMessageId = message.providerMessageId;
  const [waiting] = await ctx.db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.provider, provider),
        eq(webhookEvents.providerMessageId, providerMessageId),
        isNull(webhookEvents.appliedAt),
      ),
    )
    .limit(1);
  if (!waiting) return false;
  const { applied, failed } = await inTransaction(ctx.db, (tx) =>
    applyPendingWebhookEventsFor({
      ctx: { db: tx, now: ctx.now },
      input: { accepted: [{ provider, providerMessageId }] },
    }),
  );
  if (ctx.outbox) for (const row of failed) await ctx.outbox.finalFailure(ctx, row);
  return applied > 0;
}
