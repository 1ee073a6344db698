import { sql } from "drizzle-orm";
import { webhookEvents } from "@/db/schema";
import { resultRows } from "@/db/map-rows";
import type { Queryable } from "@/db/client";
import { GroupCommit } from "@/server/lib/group-commit";
import { pgTextArray } from "@/server/lib/pg-array";
import type { EventOutcome } from "@/server/providers/types";
import type { JobContext } from "../context";
import { toPayload, type NormalizedDeliveryEvent } from "./delivery-event";

type EventRow = typeof webhookEvents.$inferInsert;

/** Rows in one group INSERT at most. */
const GROUP_MAX_ROWS = 200;
/** Group INSERTs in flight at once per database; calls arriving meanwhile wait for the next one. */
const GROUP_MAX_IN_FLIGHT = 2;

const keyOf = (provider: string, dedupeKey: string) => `${provider}\u0000${dedupeKey}`;

/**
 * One INSERT of any number of rows with one statement text: the columns travel as seven array
 * parameters (`unnest`), so the statement is named once per connection and PostgreSQL parses it
 * once, where a multi-row VALUES list would be a new text, parsed and planned again, for each
 * number of rows (and built parameter by parameter on our side).
 */
async function insertRows(db: Queryable, rows: EventRow[]): Promise<Set<string>> {
  const column = (pick: (row: EventRow) => string | null) => pgTextArray(rows.map(pick));
  const inserted = resultRows<{ provider: string; dedupe_key: string }>(
    await db.execute(sql`
      insert into ${webhookEvents} (provider, dedupe_key, type, provider_message_id, payload, occurred_at, received_at)
      select * from unnest(
        ${column((r) => r.provider)}::text[],
        ${column((r) => r.dedupeKey)}::text[],
        ${column((r) => r.type)}::text[],
        ${column((r) => r.providerMessageId ?? null)}::text[],
        ${column((r) => JSON.stringify(r.payload ?? {}))}::jsonb[],
        ${column((r) => r.occurredAt?.toISOString() ?? null)}::timestamptz[],
        ${column((r) => (r.receivedAt ?? new Date()).toISOString())}::timestamptz[]
      )
      on conflict (provider, dedupe_key) do nothing
      returning provider, dedupe_key`),
  );
  return new Set(inserted.map((row) => keyOf(row.provider, row.dedupe_key)));
}

/**
 * One INSERT for the events of several calls (`GroupCommit`): answers, per call, the keys that
 * were new to the table, in arrival order: the first call holding a key is the one it was accepted for.
 */
async function insertCalls(db: Queryable, calls: EventRow[][]): Promise<Set<string>[]> {
  const fresh = await insertRows(db, calls.flat());
  return calls.map((rows) => {
    const mine = new Set<string>();
    for (const row of rows) {
      const key = keyOf(row.provider, row.dedupeKey);
      if (fresh.delete(key)) mine.add(key);
    }
    return mine;
  });
}

const writers = new WeakMap<object, GroupCommit<EventRow[], Set<string>>>();

/**
 * The acknowledgement half of a delivery webhook: stores the verified events of one call
 * (`INSERT … ON CONFLICT (provider, dedupe_key) DO NOTHING`), unapplied; with `groupCommit`
 * (never inside a transaction) concurrent calls share INSERTs (`GroupCommit`), each answered after
 * the INSERT holding its events has committed. No
 * read, no lock, no application: the drain (`drainWebhookEvents`) applies them in the background,
 * and the send pipeline applies those that arrive before it records their provider id. A
 * redelivery of an event already stored inserts nothing (`duplicate`); a new one is `accepted`.
 * Outcomes are in the order of `events`. Only normalised fields are stored (no addresses, no bodies).
 */
export async function storeDeliveryEvents({
  ctx,
  input: { events, groupCommit = false },
}: {
  ctx: JobContext;
  input: { events: NormalizedDeliveryEvent[]; groupCommit?: boolean };
}): Promise<EventOutcome[]> {
  if (events.length === 0) return [];
  const receivedAt = ctx.now();
  const rows: EventRow[] = events.map((event) => ({
    provider: event.provider,
    dedupeKey: event.dedupeKey,
    type: event.type,
    providerMessageId: event.providerMessageId,
    payload: toPayload(event),
    occurredAt: event.occurredAt,
    receivedAt,
  }));
  let fresh: Set<string>;
  if (groupCommit) {
    let writer = writers.get(ctx.db);
    if (!writer) {
      const db = ctx.db;
      writer = new GroupCommit({
        maxInFlight: GROUP_MAX_IN_FLIGHT,
        maxSize: GROUP_MAX_ROWS,
        sizeOf: (call: EventRow[]) => call.length,
        run: (calls) => insertCalls(db, calls),
      });
      writers.set(db, writer);
    }
    fresh = await writer.submit(rows);
  } else fresh = await insertRows(ctx.db, rows);
  // The same event twice in one call: the first copy is the accepted one.
  return events.map((event) => (fresh.delete(keyOf(event.provider, event.dedupeKey)) ? "accepted" : "duplicate"));
}
