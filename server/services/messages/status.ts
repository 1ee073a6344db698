import { and, eq, getTableColumns, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { AWAITING_DELIVERY_SQL, messageEvents, messages, type MessageRow, type MessageStatus } from "@/db/schema";
import { FAILED_STATUSES, isStatusIn, TERMINAL_STATUSES } from "@/server/shared/enums";
import { mapTableRows, resultRows } from "@/db/map-rows";
import { pgTextArray } from "@/server/lib/pg-array";

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
  if (isStatusIn(TERMINAL_STATUSES, current)) return false;
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
  /**
   * Move only from one of these statuses (besides the rank rule): e.g. expiring a message only
   * while it waits, never once a dispatcher has claimed it.
   */
  onlyFrom?: readonly MessageStatus[];
  /** Extra columns to set when the status moves (e.g. providerMessageId, reason). */
  set?: Partial<
    Pick<
      typeof messages.$inferInsert,
      "providerMessageId" | "transport" | "reason" | "lastError" | "segments" | "nextAttemptAt"
    >
  >;
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
        : isStatusIn(FAILED_STATUSES, input.status)
          ? { failedAt: input.occurredAt }
          : input.status === "queued"
            ? { queuedAt: input.occurredAt }
            : {};
  const assignments = Object.entries({ status: input.status, ...stamp, ...input.set })
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const column = MESSAGE_COLUMNS[key as keyof typeof MESSAGE_COLUMNS];
      return sql`${sql.identifier(column.name)} = ${value === null ? sql`null` : sql.param(value, column)}`;
    });
  const from = input.onlyFrom
    ? sql` and ${messages.status}::text = any(${pgTextArray([...input.onlyFrom])}::text[])`
    : sql``;
  // One statement (data-modifying CTEs): the guarded move and its timeline event, so the event
  // knows whether the move happened without a second round trip.
  const result = await db.execute(sql`
    with moved as (
      update ${messages} set ${sql.join(assignments, sql`, `)}, updated_at = now()
       where ${messages.id} = ${input.messageId} and ${messages.workspaceId} = ${input.workspaceId} and ${RANK_SQL} < ${rank}${from}
      returning ${messages.id}
    ), event as (
      insert into ${messageEvents} (workspace_id, message_id, status, source, detail, occurred_at)
      select ${input.workspaceId}::uuid, ${input.messageId}::uuid, ${input.status}, ${input.source},
             ${JSON.stringify(input.detail ?? {})}::jsonb || case when exists (select 1 from moved) then '{}'::jsonb else '{"applied": false}'::jsonb end,
             ${input.occurredAt.toISOString()}::timestamptz
    )
    select (select count(*) from moved)::int as changed`);
  const [row] = resultRows<{ changed: number }>(result);
  return { changed: Number(row?.changed ?? 0) > 0 };
}

const MESSAGE_COLUMNS = getTableColumns(messages);

/**
 * A waiting message past its `expires_at` (a quiet-hours deferral not sent in time) that was never
 * handed to a provider: it fails with reason `expired` instead of being sent. A message already
 * tried once is left to its retries (its first call may have reached the provider), and a batch
 * member only ever replays its call.
 */
const EXPIRED_SQL = (now: string) =>
  sql`(${messages.expiresAt} <= ${now}::timestamptz and ${messages.attempts} = 0 and ${messages.providerBatchKey} is null)`;

/**
 * Claims outbound messages for delivery, atomically: `queued`/`deferred` rows that are due (and,
 * with `stuckBefore`, `sending` rows untouched since then, whose dispatcher died) move to
 * `sending` with `attempts + 1`. Two dispatchers racing for a row: one statement wins, the other
 * gets nothing back, so a message is never handed to a provider twice by us (a re-claimed stuck
 * row reuses its idempotency key, so the provider dedupes a call that did go through).
 * Writes a `sending` timeline event per claimed row.
 *
 * Waiting rows past their expiry (see EXPIRED_SQL) are not claimed: the same statement answers
 * them as `expired` (due or not), for the caller to fail with `applyMessageStatus`.
 */
export async function claimMessagesForDelivery(
  db: Queryable,
  input: { messageIds: string[]; now: Date; stuckBefore?: Date },
): Promise<{ claimed: MessageRow[]; expired: MessageRow[] }> {
  if (input.messageIds.length === 0) return { claimed: [], expired: [] };
  const now = input.now.toISOString();
  const ids = pgTextArray(input.messageIds);
  const stuck = input.stuckBefore
    ? sql` or (${messages.status} = 'sending' and ${messages.updatedAt} < ${input.stuckBefore.toISOString()}::timestamptz)`
    : sql``;
  // One statement: the claim and its timeline events (a data-modifying CTE), atomic by itself; the
  // expired rows are read from the same snapshot (the claim never touches them).
  const result = await db.execute(sql`
    with claimed as (
      update ${messages} set status = 'sending', attempts = ${messages.attempts} + 1, updated_at = ${now}::timestamptz
       where ${messages.id} = any(${ids}::uuid[]) and ${messages.direction} = 'outbound'
         and ((${messages.status} in ${AWAITING_DELIVERY_SQL} and (${messages.nextAttemptAt} is null or ${messages.nextAttemptAt} <= ${now}::timestamptz)
               and not coalesce(${EXPIRED_SQL(now)}, false))${stuck})
      returning ${messages}.*
    ), events as (
      insert into ${messageEvents} (workspace_id, message_id, status, source, detail, occurred_at)
      select c.workspace_id, c.id, 'sending', 'pipeline', jsonb_build_object('attempt', c.attempts), ${now}::timestamptz from claimed c
    )
    select claimed.*, false as expired from claimed
    union all
    select ${messages}.*, true as expired from ${messages}
     where ${messages.id} = any(${ids}::uuid[]) and ${messages.direction} = 'outbound'
       and ${messages.status} in ${AWAITING_DELIVERY_SQL} and ${EXPIRED_SQL(now)}`);
  const raw = resultRows<Record<string, unknown> & { expired: boolean }>(result);
  const rows = mapTableRows(messages, raw);
  return {
    claimed: rows.filter((_, i) => !raw[i]!.expired),
    expired: rows.filter((_, i) => raw[i]!.expired),
  };
}

/** A claimed message handed back without a provider call (a sending limit, a paused provider). */
export interface ReleasedClaim {
  workspaceId: string;
  messageId: string;
  /** When it may be claimed again. */
  nextAttemptAt: Date;
  /** Why it waits, for its timeline: `{ reason: "rate_limit" | "provider_paused", … }`. */
  detail: Record<string, unknown>;
}

/**
 * Hands claimed messages back to `queued` with their next attempt time, as if the claim had not
 * happened: `attempts` goes back down (no provider saw them) and the claim's `sending` event is
 * removed. The timeline gets one `delayed` event with the reason and `retryAt`; a message delayed
 * again before anything else happened to it has that event's detail refreshed instead of a new
 * one, so a long wait behind a limit stays one line. Only from `sending`; one statement for all.
 */
export async function releaseClaims(
  db: Queryable,
  released: ReleasedClaim[],
  claimedAt: Date,
  now: Date,
): Promise<void> {
  if (released.length === 0) return;
  const column = (pick: (r: ReleasedClaim) => string) => pgTextArray(released.map(pick));
  const at = now.toISOString();
  const claimTime = claimedAt.toISOString();
  await db.execute(sql`
    with v as (
      select * from unnest(${column((r) => r.messageId)}::uuid[], ${column((r) => r.workspaceId)}::uuid[],
                           ${column((r) => r.nextAttemptAt.toISOString())}::timestamptz[],
                           ${column((r) => JSON.stringify({ ...r.detail, retryAt: r.nextAttemptAt.toISOString() }))}::text[])
             as v(id, workspace_id, next_attempt_at, detail)
    ), released as (
      update ${messages} m
         set status = 'queued', attempts = greatest(m.attempts - 1, 0), next_attempt_at = v.next_attempt_at, updated_at = ${at}::timestamptz
        from v
       where m.id = v.id and m.workspace_id = v.workspace_id and m.status = 'sending'
      returning m.id, m.workspace_id
    ), claim_events as (
      delete from ${messageEvents} e using released r
       where e.message_id = r.id and e.status = 'sending' and e.source = 'pipeline' and e.occurred_at = ${claimTime}::timestamptz
    ), latest as (
      select distinct on (e.message_id) e.id, e.message_id, e.status
        from ${messageEvents} e join released r on r.id = e.message_id
       where not (e.status = 'sending' and e.source = 'pipeline' and e.occurred_at = ${claimTime}::timestamptz)
       order by e.message_id, e.seq desc
    ), refreshed as (
      update ${messageEvents} e set detail = v.detail::jsonb
        from latest l join v on v.id = l.message_id
       where e.id = l.id and l.status = 'delayed'
    )
    insert into ${messageEvents} (workspace_id, message_id, status, source, detail, occurred_at)
    select r.workspace_id, r.id, 'delayed', 'pipeline', v.detail::jsonb, ${at}::timestamptz
      from released r join v on v.id = r.id
     where not exists (select 1 from latest l where l.message_id = r.id and l.status = 'delayed')`);
}

/** A message the provider accepted, to record as `sent` (see `markMessagesSent`). */
export interface AcceptedSend {
  workspaceId: string;
  messageId: string;
  providerMessageId: string;
  transport: string;
  attempt: number;
  segments?: number;
}

/**
 * `applyMessageStatus(…, "sent")` for many messages in one statement: each moves to `sent` with
 * its provider id, transport and segments unless it already ranks higher (a webhook got there
 * first), and each gets its timeline event (`applied: false` when it did not move). Atomic by
 * itself (a data-modifying CTE).
 */
export async function markMessagesSent(db: Queryable, accepted: AcceptedSend[], occurredAt: Date): Promise<void> {
  if (accepted.length === 0) return;
  const at = occurredAt.toISOString();
  const column = (pick: (a: AcceptedSend) => string | null) => pgTextArray(accepted.map(pick));
  await db.execute(sql`
    with u as (
      select * from unnest(${column((a) => a.messageId)}::uuid[], ${column((a) => a.workspaceId)}::uuid[], ${column((a) => a.providerMessageId)}::text[],
                           ${column((a) => a.transport)}::text[], ${column((a) => (a.segments ? String(a.segments) : null))}::int[],
                           ${column((a) => String(a.attempt))}::int[])
             with ordinality as u(id, workspace_id, provider_message_id, transport, segments, attempt, n)
    ), moved as (
      update ${messages}
         set status = 'sent', sent_at = ${at}::timestamptz, provider_message_id = u.provider_message_id, transport = u.transport,
             segments = coalesce(u.segments, ${messages.segments}), next_attempt_at = null, last_error = null, updated_at = now()
        from u
       where ${messages.id} = u.id and ${messages.workspaceId} = u.workspace_id and ${RANK_SQL} < ${STATUS_RANK.sent}
      returning ${messages.id} as id
    )
    insert into ${messageEvents} (workspace_id, message_id, status, source, detail, occurred_at)
    select u.workspace_id, u.id, 'sent', 'provider',
           jsonb_strip_nulls(jsonb_build_object('transport', u.transport, 'providerMessageId', u.provider_message_id, 'attempt', u.attempt, 'segments', u.segments))
             || case when moved.id is null then '{"applied": false}'::jsonb else '{}'::jsonb end,
           ${at}::timestamptz
      from u left join moved on moved.id = u.id
     order by u.n`);
}

/**
 * A retryable delivery failure: `sending` → `queued` with the next attempt time (the one move
 * backwards in rank, so it cannot go through `applyMessageStatus`). Only from `sending`, so a
 * webhook that already moved the message on is never undone. Writes a `retry_scheduled` event.
 */
export async function requeueMessage(
  db: Queryable,
  input: {
    workspaceId: string;
    messageId: string;
    nextAttemptAt: Date;
    occurredAt: Date;
    lastError: string;
    detail?: Record<string, unknown>;
  },
): Promise<{ changed: boolean }> {
  const updated = await db
    .update(messages)
    .set({
      status: "queued",
      nextAttemptAt: input.nextAttemptAt,
      lastError: input.lastError,
      updatedAt: input.occurredAt,
    })
    .where(
      and(
        eq(messages.id, input.messageId),
        eq(messages.workspaceId, input.workspaceId),
        eq(messages.status, "sending"),
      ),
    )
    .returning({ id: messages.id });
  await db.insert(messageEvents).values({
    workspaceId: input.workspaceId,
    messageId: input.messageId,
    status: "retry_scheduled",
    source: "pipeline",
    detail: {
      ...input.detail,
      retryAt: input.nextAttemptAt.toISOString(),
      ...(updated.length === 0 ? { applied: false } : {}),
    },
    occurredAt: input.occurredAt,
  });
  return { changed: updated.length > 0 };
}
