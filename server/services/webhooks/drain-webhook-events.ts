import { inArray, sql } from "drizzle-orm";
import { mapTableRows, resultRows } from "@/db/map-rows";
import { messages, webhookEvents, type MessageRow } from "@/db/schema";
import { inTransaction, type PublicContext } from "../context";
import { applyDeliveryEventEffect, applyDeliveryEventToMessage, type ApplicableEvent } from "./apply-delivery-event";
import { fromPayload } from "./delivery-event";

/** Events claimed per transaction: large enough to amortise the round trips, small enough to keep row locks short. */
export const WEBHOOK_DRAIN_BATCH = 500;

export interface DrainBatchResult {
  /** Events claimed and applied in this batch. */
  applied: number;
  /** Messages the batch moved to a failure (handed to the outbox's final-failure handling after commit). */
  failed: number;
}

/**
 * Applies one batch of stored delivery events whose message is known, exactly once:
 * in one transaction, the oldest unapplied events (by `received_at`) that have an outbound
 * message with their (provider, provider id) are claimed (`FOR UPDATE SKIP LOCKED`, so two
 * drains — two instances, or the loop and the minute job — never take the same event) and
 * marked applied, then applied: per message in occurred order (status moves through
 * `applyMessageStatus`, never backwards, one timeline row per event), messages side by side on
 * the transaction's connection (pipelined); then the bounce / complaint / provider opt-out effects
 * one at a time (they take contact and audit locks). A crash before commit leaves everything
 * unapplied for the next drain. After commit, each message moved to a failure goes to the
 * outbox's final-failure handling (the channel fallback, keyed so a second report reuses it).
 *
 * Events whose message is not recorded yet are left waiting (the send pipeline applies them when
 * it records the provider id, see `applyPendingWebhookEventsFor`; a later drain otherwise).
 */
export async function drainWebhookEventsBatch({
  ctx,
  input: { limit = WEBHOOK_DRAIN_BATCH } = {},
}: {
  ctx: PublicContext;
  input?: { limit?: number };
}): Promise<DrainBatchResult> {
  const { applied, failed } = await inTransaction(ctx.db, async (tx) => {
    const appliedAt = ctx.now();
    // Claim and mark in one statement: the claim CTE locks the rows (skipping those another drain
    // holds); the update records the message's workspace with the claim.
    const claimedRaw = resultRows<Record<string, unknown>>(
      await tx.execute(sql`
        with claim as (
          select w.id, m.id as message_id, m.workspace_id
            from ${webhookEvents} w
            join ${messages} m
              on m.transport = w.provider and m.provider_message_id = w.provider_message_id and m.direction = 'outbound'
           where w.applied_at is null and w.provider_message_id is not null
           order by w.received_at, w.id
           limit ${limit}
           for update of w skip locked
        )
        update ${webhookEvents} e
           set applied_at = ${appliedAt.toISOString()}::timestamptz, workspace_id = claim.workspace_id
          from claim
         where e.id = claim.id
        returning e.*, claim.message_id as claimed_message_id`),
    );
    if (claimedRaw.length === 0) return { applied: 0, failed: [] };
    const claimed = mapTableRows(webhookEvents, claimedRaw).map((row, i) => ({
      row,
      messageId: String(claimedRaw[i]!.claimed_message_id),
    }));
    // The batch's messages locked up front, in id order: two drains (two instances, or the loop and
    // the minute job) may hold events of the same messages, and would otherwise lock them in
    // different orders while applying side by side (a deadlock).
    const messageRows = await tx
      .select()
      .from(messages)
      .where(inArray(messages.id, [...new Set(claimed.map((c) => c.messageId))]))
      .orderBy(messages.id)
      .for("update");

    // Per message, in the order the events occurred (then arrived), as the synchronous path did.
    const groups = new Map<string, { message: MessageRow; events: ApplicableEvent[] }>();
    claimed.sort(
      (a, b) =>
        (a.row.occurredAt ?? a.row.receivedAt).getTime() - (b.row.occurredAt ?? b.row.receivedAt).getTime() ||
        a.row.receivedAt.getTime() - b.row.receivedAt.getTime(),
    );
    for (const message of messageRows) groups.set(message.id, { message, events: [] });
    for (const { row, messageId } of claimed) {
      const group = groups.get(messageId)!;
      group.events.push({
        ...fromPayload(row.payload),
        provider: row.provider,
        type: row.type,
        providerMessageId: row.providerMessageId!,
        occurredAt: row.occurredAt ?? row.receivedAt,
      });
    }

    const inner = { db: tx, now: ctx.now };
    // Messages side by side: their statements queue on the one connection (no extra round-trip
    // waits); within a message, one event after the other so the rank rule sees each move.
    const moved = await Promise.all(
      [...groups.values()].map(async ({ message, events }) => {
        let failedHere = false;
        for (const event of events) {
          const result = await applyDeliveryEventToMessage({ ctx: inner, input: { message, event } });
          failedHere ||= result.failed;
        }
        return failedHere ? message : null;
      }),
    );
    for (const { message, events } of groups.values()) {
      for (const event of events) {
        if (event.effect) await applyDeliveryEventEffect({ ctx: inner, input: { message, event } });
      }
    }
    return { applied: claimed.length, failed: moved.filter((m): m is MessageRow => m !== null) };
  });
  if (ctx.outbox && !("rollback" in ctx.db)) {
    for (const message of failed) await ctx.outbox.finalFailure({ db: ctx.db, now: ctx.now }, message);
  }
  return { applied, failed: failed.length };
}

/**
 * Drains every applicable stored delivery event, batch after batch (see `drainWebhookEventsBatch`),
 * until a batch comes back short or `maxBatches` ran. Returns the totals. Used by the in-process
 * loop woken after each acknowledgement, the minute job, and tests.
 */
export async function drainWebhookEvents({
  ctx,
  input: { limit = WEBHOOK_DRAIN_BATCH, maxBatches = 1000 } = {},
}: {
  ctx: PublicContext;
  input?: { limit?: number; maxBatches?: number };
}): Promise<DrainBatchResult> {
  const total: DrainBatchResult = { applied: 0, failed: 0 };
  for (let i = 0; i < maxBatches; i++) {
    const batch = await drainWebhookEventsBatch({ ctx, input: { limit } });
    total.applied += batch.applied;
    total.failed += batch.failed;
    if (batch.applied < limit) break;
  }
  return total;
}
