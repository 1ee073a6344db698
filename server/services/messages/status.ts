import { and, eq, inArray, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { messageEvents, messages, type MessageStatus } from "@/db/schema";

/**
 * How far along a message is. A status only replaces one of a lower rank, so events may arrive in
 * any order (a late `sent` never undoes `delivered`, a duplicate changes nothing). `blocked` and
 * `received` are terminal states of their own and never change.
 */
export const STATUS_RANK: Record<MessageStatus, number> = {
  deferred: 1,
  queued: 2,
  sending: 3,
  sent: 4,
  undelivered: 6,
  failed: 6,
  delivered: 6,
  bounced: 7,
  complained: 8,
  blocked: 100,
  received: 100,
};

const RANK_SQL = sql.raw(
  `(case "messages"."status" ${Object.entries(STATUS_RANK)
    .map(([status, rank]) => `when '${status}' then ${rank}`)
    .join(" ")} end)`,
);

export function canMoveTo(current: MessageStatus, next: MessageStatus): boolean {
  if (current === "blocked" || current === "received") return false;
  return STATUS_RANK[next] > STATUS_RANK[current];
}

export interface ApplyStatusInput {
  workspaceId: string;
  messageId: string;
  status: MessageStatus;
  occurredAt: Date;
  /** pipeline | provider | webhook | admin */
  source: string;
  /** Provider detail for the timeline (error codes, provider ids); never addresses or bodies. */
  detail?: Record<string, unknown>;
  /** Extra columns to set when the status moves (e.g. providerMessageId, reason). */
  set?: Partial<Pick<typeof messages.$inferInsert, "providerMessageId" | "transport" | "reason" | "lastError" | "segments" | "nextAttemptAt">>;
}

/**
 * Records a timeline event and moves the message forward if `status` ranks higher than its
 * current one, in one statement (no read-then-write race between two webhooks). Returns whether
 * the status changed. The event row is always written, so the timeline shows late arrivals too.
 */
export async function applyMessageStatus(db: Queryable, input: ApplyStatusInput): Promise<{ changed: boolean }> {
  const rank = STATUS_RANK[input.status];
  const stamp =
    input.status === "sent"
      ? { sentAt: input.occurredAt }
      : input.status === "delivered"
        ? { deliveredAt: input.occurredAt }
        : ["failed", "undelivered", "bounced"].includes(input.status)
          ? { failedAt: input.occurredAt }
          : input.status === "queued"
            ? { queuedAt: input.occurredAt }
            : {};
  const updated = await db
    .update(messages)
    .set({ status: input.status, ...stamp, ...input.set, updatedAt: sql`now()` })
    .where(and(eq(messages.id, input.messageId), eq(messages.workspaceId, input.workspaceId), sql`${RANK_SQL} < ${rank}`))
    .returning({ id: messages.id });
  await db.insert(messageEvents).values({
    workspaceId: input.workspaceId,
    messageId: input.messageId,
    status: input.status,
    source: input.source,
    detail: { ...input.detail, ...(updated.length === 0 ? { applied: false } : {}) },
    occurredAt: input.occurredAt,
  });
  return { changed: updated.length > 0 };
}

/**
 * Claims outbound messages for delivery, atomically: `queued`/`deferred` rows that are due (and,
 * with `stuckBefore`, `sending` rows untouched since then, whose dispatcher died) move to
 * `sending` with `attempts + 1`. Two dispatchers racing for a row: one statement wins, the other
 * gets nothing back, so a message is never handed to a provider twice by us (a re-claimed stuck
 * row reuses its idempotency key, so the provider dedupes a call that did go through).
 * Writes a `sending` timeline event per claimed row.
 */
export async function claimMessagesForDelivery(
  db: Queryable,
  input: { messageIds: string[]; now: Date; stuckBefore?: Date },
): Promise<(typeof messages.$inferSelect)[]> {
  if (input.messageIds.length === 0) return [];
  const due = sql`(${messages.status} in ('queued', 'deferred') and (${messages.nextAttemptAt} is null or ${messages.nextAttemptAt} <= ${input.now.toISOString()}::timestamptz))`;
  const stuck = input.stuckBefore ? sql` or (${messages.status} = 'sending' and ${messages.updatedAt} < ${input.stuckBefore.toISOString()}::timestamptz)` : sql``;
  const claimed = await db
    .update(messages)
    .set({ status: "sending", attempts: sql`${messages.attempts} + 1`, updatedAt: input.now })
    .where(and(inArray(messages.id, input.messageIds), eq(messages.direction, "outbound"), sql`(${due}${stuck})`))
    .returning();
  if (claimed.length > 0) {
    await db.insert(messageEvents).values(
      claimed.map((row) => ({
        workspaceId: row.workspaceId,
        messageId: row.id,
        status: "sending",
        source: "pipeline",
        detail: { attempt: row.attempts },
        occurredAt: input.now,
      })),
    );
  }
  return claimed;
}

/**
 * A retryable delivery failure: `sending` → `queued` with the next attempt time (the one move
 * backwards in rank, so it cannot go through `applyMessageStatus`). Only from `sending`, so a
 * webhook that already moved the message on is never undone. Writes a `retry_scheduled` event.
 */
export async function requeueMessage(
  db: Queryable,
  input: { workspaceId: string; messageId: string; nextAttemptAt: Date; occurredAt: Date; lastError: string; detail?: Record<string, unknown> },
): Promise<{ changed: boolean }> {
  const updated = await db
    .update(messages)
    .set({ status: "queued", nextAttemptAt: input.nextAttemptAt, lastError: input.lastError, updatedAt: input.occurredAt })
    .where(and(eq(messages.id, input.messageId), eq(messages.workspaceId, input.workspaceId), eq(messages.status, "sending")))
    .returning({ id: messages.id });
  await db.insert(messageEvents).values({
    workspaceId: input.workspaceId,
    messageId: input.messageId,
    status: "retry_scheduled",
    source: "pipeline",
    detail: { ...input.detail, retryAt: input.nextAttemptAt.toISOString(), ...(updated.length === 0 ? { applied: false } : {}) },
    occurredAt: input.occurredAt,
  });
  return { changed: updated.length > 0 };
}
