import { webhookEvents } from "@/db/schema";
import type { Queryable } from "@/db/client";
import type { EventOutcome } from "@/server/providers/types";
import type { JobContext } from "../context";
import { toPayload, type NormalizedDeliveryEvent } from "./delivery-event";

type EventRow = typeof webhookEvents.$inferInsert;

/** Rows in one group INSERT at most (7 parameters each). */
const GROUP_MAX_ROWS = 200;
/** Group INSERTs in flight at once per database; calls arriving meanwhile wait for the next one. */
const GROUP_MAX_IN_FLIGHT = 2;

interface Waiting {
  rows: EventRow[];
  resolve: (fresh: Set<string>) => void;
  reject: (error: unknown) => void;
}

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
 * Group commit of the acknowledgements: the events of concurrent webhook calls are written by one
 * INSERT. A call that finds fewer than GROUP_MAX_IN_FLIGHT inserts running starts one at once with
 * whatever is waiting (alone, at low load: no added latency); under load the calls that arrive
 * while inserts run wait for the next one, so each statement carries many calls' events and the
 * per-statement work (building, sending, parsing, the database's per-statement cost) is paid once
 * for them. Each call is answered after the INSERT holding its events has committed. If a group
 * fails, its calls are retried one by one, so one bad call cannot fail the others.
 */
class GroupWriter {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(private readonly db: Queryable) {}

  write(rows: EventRow[]): Promise<Set<string>> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ rows, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    while (this.inFlight < GROUP_MAX_IN_FLIGHT && this.waiting.length > 0) {
      const group: Waiting[] = [];
      let count = 0;
      while (
        this.waiting.length > 0 &&
        (group.length === 0 || count + this.waiting[0]!.rows.length <= GROUP_MAX_ROWS)
      ) {
        const next = this.waiting.shift()!;
        group.push(next);
        count += next.rows.length;
      }
      this.inFlight++;
      void this.flush(group).finally(() => {
        this.inFlight--;
        this.kick();
      });
    }
  }

  private async flush(group: Waiting[]): Promise<void> {
    if (group.length === 1) {
      const only = group[0]!;
      await insertRows(this.db, only.rows).then(only.resolve, only.reject);
      return;
    }
    try {
      const fresh = await insertRows(
        this.db,
        group.flatMap((w) => w.rows),
      );
      // In arrival order: the first call holding a key new to the table is the one it was accepted for.
      for (const waiting of group) {
        const mine = new Set<string>();
        for (const row of waiting.rows) {
          const key = keyOf(row.provider, row.dedupeKey);
          if (fresh.delete(key)) mine.add(key);
        }
        waiting.resolve(mine);
      }
    } catch {
      for (const waiting of group) await insertRows(this.db, waiting.rows).then(waiting.resolve, waiting.reject);
    }
  }
}

const writers = new WeakMap<object, GroupWriter>();

/**
 * The acknowledgement half of a delivery webhook: stores the verified events of one call
 * (`INSERT … ON CONFLICT (provider, dedupe_key) DO NOTHING`), unapplied, through the group commit
 * above when `ctx.db` is the process database (`groupCommit`; never inside a transaction). No
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
    if (!writer) writers.set(ctx.db, (writer = new GroupWriter(ctx.db)));
    fresh = await writer.write(rows);
  } else fresh = await insertRows(ctx.db, rows);
  // The same event twice in one call: the first copy is the accepted one.
  return events.map((event) => (fresh.delete(keyOf(event.provider, event.dedupeKey)) ? "accepted" : "duplicate"));
}
