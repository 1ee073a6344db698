import { inArray, sql } from "drizzle-orm";
import { mapTableRows, resultRows } from "@/db/map-rows";
import { messageEvents, messages, webhookEvents, type MessageRow, type MessageStatus } from "@/db/schema";
import { logger } from "@/server/lib/logger";
import { pgTextArray } from "@/server/lib/pg-array";
import { FAILED_STATUSES, isStatusIn } from "@/server/shared/enums";
import { inTransaction, type PublicContext } from "../context";
import { canMoveTo } from "../messages/status";
import { recordProviderTrackingEvents } from "../tracking/record-provider-tracking-events";
import { applyDeliveryEventEffect, effectSuppression, type ApplicableEvent } from "./apply-delivery-event";
import { fromPayload } from "./delivery-event";
import { suppressAddresses } from "../suppressions/suppress-addresses";
import type { TSuppressAddressInput } from "../suppressions/suppress-address";
import { applyStoredInboundTexts, STORED_INBOUND_BATCH } from "../inbound/stored-inbound-texts";

/** Events claimed per transaction: large enough to amortise the round trips, small enough to keep row locks short. */
export const WEBHOOK_DRAIN_BATCH = 500;

/**
 * Events with an effect (bounce, complaint, provider opt-out) claimed per transaction: their
 * consent and suppression writes take the contact's and the workspace audit chain's locks, which
 * inbound STOP handling needs too, so they go in short transactions of their own.
 */
export const WEBHOOK_EFFECT_BATCH = 50;

/** What one message's events change on its row (timestamps as ISO strings, null = unchanged). */
interface MessageMove {
  id: string;
  status: MessageStatus | null;
  sentAt: string | null;
  deliveredAt: string | null;
  failedAt: string | null;
  queuedAt: string | null;
  reason: string | null;
}

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
 * marked applied, then applied: the batch's messages are locked in id order, each one's events
 * replayed in occurred order with the rank rule of `applyMessageStatus` (never backwards; one
 * timeline row per event, `applied: false` when it did not move the message), written as one
 * UPDATE and one INSERT; provider opens and clicks through `recordProviderTrackingEvents` (set-based); then the
 * bounce / complaint / provider opt-out effects one at a time (they take contact and audit locks). `effects` picks which events a batch claims:
 * those without an effect (the default: large, set-based batches) or those with one (short
 * transactions, `WEBHOOK_EFFECT_BATCH`), so the audit-chain lock an effect takes is never held
 * across a large batch. The rank rule makes the final state the same whichever batch applies an
 * event of a message first. A crash before commit leaves everything
 * unapplied for the next drain. After commit, each message moved to a failure goes to the
 * outbox's final-failure handling (the channel fallback, keyed so a second report reuses it).
 *
 * Events whose message is not recorded yet are left waiting (the send pipeline applies them when
 * it records the provider id, see `applyPendingWebhookEventsFor`; a later drain otherwise).
 */
export async function drainWebhookEventsBatch({
  ctx,
  input: { limit = WEBHOOK_DRAIN_BATCH, effects = false } = {},
}: {
  ctx: PublicContext;
  input?: { limit?: number; effects?: boolean };
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
             and (w.payload->>'effect' is ${effects ? sql`not null` : sql`null`})
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
    // Set-based: the messages are locked, so their current status is known; each one's events are
    // replayed in memory with the rank rule of `applyMessageStatus` (an event moves the message
    // only past everything before it; the others are timeline rows marked `applied: false`), then
    // written as one UPDATE of the moved messages and one INSERT of every timeline row.
    const moves: MessageMove[] = [];
    const timeline: (typeof messageEvents.$inferInsert)[] = [];
    const tracked: { message: MessageRow; events: ApplicableEvent[] }[] = [];
    const failedMessages: MessageRow[] = [];
    for (const { message, events } of groups.values()) {
      let current = message.status;
      const move: MessageMove = {
        id: message.id,
        status: null,
        sentAt: null,
        deliveredAt: null,
        failedAt: null,
        queuedAt: null,
        reason: null,
      };
      const trackedHere: ApplicableEvent[] = [];
      let failedHere = false;
      for (const event of events) {
        const detail: Record<string, unknown> = { provider: event.provider, type: event.type, ...event.detail };
        if (event.status) {
          const moved = canMoveTo(current, event.status);
          const isFailure = isStatusIn(FAILED_STATUSES, event.status);
          if (moved) {
            current = event.status;
            move.status = event.status;
            const at = event.occurredAt.toISOString();
            if (event.status === "sent") move.sentAt = at;
            else if (event.status === "delivered") move.deliveredAt = at;
            else if (isFailure) move.failedAt = at;
            else if (event.status === "queued") move.queuedAt = at;
            const errorCode = event.detail.errorCode;
            if (isFailure && errorCode != null) move.reason = String(errorCode);
            else if (isFailure && event.effect) move.reason = event.effect;
            failedHere ||= isFailure;
          } else {
            detail.applied = false;
          }
          timeline.push({
            workspaceId: message.workspaceId,
            messageId: message.id,
            status: event.status,
            source: "webhook",
            detail,
            occurredAt: event.occurredAt,
          });
        } else {
          timeline.push({
            workspaceId: message.workspaceId,
            messageId: message.id,
            status: event.timeline,
            source: "webhook",
            detail,
            occurredAt: event.occurredAt,
          });
          if (event.timeline === "opened" || event.timeline === "clicked") trackedHere.push(event);
        }
      }
      if (trackedHere.length > 0) tracked.push({ message, events: trackedHere });
      if (move.status) moves.push(move);
      if (failedHere) failedMessages.push(message);
    }
    await Promise.all([
      moves.length === 0
        ? null
        : tx.execute(sql`
            update ${messages} m
               set status = v.status::message_status,
                   sent_at = coalesce(v.sent_at, m.sent_at),
                   delivered_at = coalesce(v.delivered_at, m.delivered_at),
                   failed_at = coalesce(v.failed_at, m.failed_at),
                   queued_at = coalesce(v.queued_at, m.queued_at),
                   reason = coalesce(v.reason, m.reason),
                   updated_at = now()
              from unnest(${pgTextArray(moves.map((m) => m.id))}::uuid[], ${pgTextArray(moves.map((m) => m.status))}::text[],
                          ${pgTextArray(moves.map((m) => m.sentAt))}::timestamptz[], ${pgTextArray(moves.map((m) => m.deliveredAt))}::timestamptz[],
                          ${pgTextArray(moves.map((m) => m.failedAt))}::timestamptz[], ${pgTextArray(moves.map((m) => m.queuedAt))}::timestamptz[],
                          ${pgTextArray(moves.map((m) => m.reason))}::text[])
                   as v(id, status, sent_at, delivered_at, failed_at, queued_at, reason)
             where m.id = v.id`),
      timeline.length === 0 ? null : tx.insert(messageEvents).values(timeline),
    ]);
    // The provider's own opens and clicks, counted like ours (deduplicated against ours), set-based;
    // "too soon after the send" reads the send time this batch may just have set.
    const sentAtOf = new Map(moves.filter((m) => m.sentAt).map((m) => [m.id, new Date(m.sentAt!)]));
    await recordProviderTrackingEvents(tx, {
      now: ctx.now(),
      items: tracked.map(({ message, events }) => ({
        message: { ...message, sentAt: sentAtOf.get(message.id) ?? message.sentAt },
        events: events.map((event) => ({
          kind: event.timeline === "opened" ? ("open" as const) : ("click" as const),
          occurredAt: event.occurredAt,
        })),
      })),
    });
    // Effects after the status moves. Complaints and provider opt-outs change consent: one at a
    // time (the contact's lock, then the audit chain's). Hard bounces only suppress: set-based per
    // workspace and provider, last, so the audit chain is locked for one statement before commit.
    const bounces = new Map<string, { workspaceId: string; provider: string; entries: TSuppressAddressInput[] }>();
    for (const { message, events } of groups.values()) {
      for (const event of events) {
        if (!event.effect) continue;
        if (event.effect !== "hard_bounce") {
          await applyDeliveryEventEffect({ ctx: inner, input: { message, event } });
          continue;
        }
        if (!message.addressHash) continue;
        const key = `${message.workspaceId}|${event.provider}`;
        let group = bounces.get(key);
        if (!group)
          bounces.set(key, (group = { workspaceId: message.workspaceId, provider: event.provider, entries: [] }));
        group.entries.push(effectSuppression(message, event, event.effect));
      }
    }
    for (const { workspaceId, provider, entries } of [...bounces.values()].sort((a, b) =>
      a.workspaceId < b.workspaceId ? -1 : 1,
    )) {
      await suppressAddresses({
        ctx: { db: tx, workspaceId, actor: { type: "provider", provider }, now: ctx.now },
        input: entries,
      });
    }
    return { applied: claimed.length, failed: failedMessages };
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
  // Plain inbound replies acknowledged before they were applied (each its own short transaction).
  for (let i = 0; i < maxBatches; i++) {
    const applied = await applyStoredInboundTexts({ ctx });
    total.applied += applied;
    if (applied < STORED_INBOUND_BATCH) break;
  }
  // Events with effects first (short batches: until they are applied, sends read them as
  // suppressions), then status and timeline events (set-based, large batches).
  for (const [effects, size] of [
    [true, Math.min(limit, WEBHOOK_EFFECT_BATCH)],
    [false, limit],
  ] as const) {
    for (let i = 0; i < maxBatches; i++) {
      const started = performance.now();
      const batch = await drainWebhookEventsBatch({ ctx, input: { limit: size, effects } });
      total.applied += batch.applied;
      total.failed += batch.failed;
      const ms = Math.round(performance.now() - started);
      if (ms > 1000) logger.warn({ applied: batch.applied, effects, ms }, "slow webhook drain batch");
      if (batch.applied < size) break;
    }
  }
  return total;
}
