import { webhookEvents } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { GroupCommit } from "@/server/lib/group-commit";
import type { EventOutcome } from "@/server/providers/types";
import type { JobContext } from "../context";
import { toPayload, type NormalizedDeliveryEvent } from "./delivery-event";

type EventRow = typeof webhookEvents.$inferInsert;

/** Rows in one group INSERT at most (7 parameters each). */
const GROUP_MAX_ROWS = 200;
/** Group INSERTs in flight at once per database; calls arriving meanwhile wait for the next one. */
const GROUP_MAX_IN_FLIGHT = 2;

const keyOf = (provider: string, dedupeKey: string) => `${provider}\u0000${dedupeKey}`;

async function insertRows(db: Queryable, rows: EventRow[]): Promise<Set<string>> {
  const inserted = await db
    .insert(webhookEvents)
    .values(rows)
    .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.dedupeKey] })
    .returning({ provider: webhookEvents.provider, dedupeKey: webhookEvents.dedupeKey });
  return new Set(inserted.map((row) => keyOf(row.provider, row.dedupeKey)));
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
