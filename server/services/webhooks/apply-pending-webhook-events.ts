import { inTransaction, type PublicContext } from "../context";
import { applyPendingWebhookEventsFor } from "./apply-pending-webhook-events-for";
import type { WebhookProvider } from "./delivery-event";

/**
 * Applies the stored-but-unapplied webhook events of one provider message (events that arrived
 * before the send pipeline recorded the provider id), in the order they occurred, and marks them
 * applied. Returns how many were applied; 0 when the message is still unknown.
 *
 * Call it right after recording a provider message id, in that transaction or after it commits.
 * Takes the same per-(provider, id) advisory lock as the webhook ingest, and claims rows with
 * `UPDATE … WHERE applied_at IS NULL`, so concurrent callers and retries apply each event once.
 * Status changes go through `applyMessageStatus` (never backwards); bounce and complaint effects
 * are audited as the provider. With `ctx.outbox`, a failure among them (bounced, undelivered) goes
 * to its final-failure handling (channel fallback) after commit.
 */
export async function applyPendingWebhookEvents({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: { provider: WebhookProvider; providerMessageId: string };
}): Promise<number> {
  const { applied, failed } = await inTransaction(ctx.db, (tx) =>
    applyPendingWebhookEventsFor({ ctx: { db: tx, now: ctx.now }, input: { accepted: [input] } }),
  );
  if (ctx.outbox && !("rollback" in ctx.db)) {
    for (const message of failed) await ctx.outbox.finalFailure({ db: ctx.db, now: ctx.now }, message);
  }
  return applied;
}
