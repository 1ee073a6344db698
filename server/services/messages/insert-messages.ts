import { sql } from "drizzle-orm";
import { messageEvents, messages } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { pgTextArray } from "@/server/lib/pg-array";
import type { MessageInsertRow } from "./record-steps";

/** Rows per multi-row INSERT (about 40 columns each, far below the 65,535-parameter limit). */
const INSERT_CHUNK = 250;

/** One row of the record step with its first timeline event. */
export interface MessageInsert {
  row: MessageInsertRow;
  event: { status: string; source: string; detail: Record<string, unknown> };
}

/**
 * The record step's write, shared by every outbound message (sends, confirmation requests, system
 * messages, keyword replies): the rows (`ON CONFLICT DO NOTHING`: a concurrent twin with the same
 * idempotency key may win) and their first timeline events, in ONE round trip: the events
 * statement runs after the inserts and keeps only the rows that exist under our ids, so a row
 * skipped by ON CONFLICT gets no event from us. Returns the ids inserted.
 */
export async function insertMessages(tx: Queryable, items: MessageInsert[], occurredAt: Date): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const inserts: Promise<{ id: string }[]>[] = [];
  for (let start = 0; start < items.length; start += INSERT_CHUNK) {
    const chunk = items.slice(start, start + INSERT_CHUNK).map((item) => item.row);
    // `.execute()` hands each insert to the connection now, ahead of the events statement below.
    inserts.push(tx.insert(messages).values(chunk).onConflictDoNothing().returning({ id: messages.id }).execute());
  }
  const column = (pick: (item: MessageInsert) => string) => pgTextArray(items.map(pick));
  const [insertedChunks] = await Promise.all([
    Promise.all(inserts),
    tx.execute(sql`
      insert into ${messageEvents} (workspace_id, message_id, status, source, detail, occurred_at)
      select e.workspace_id, e.id, e.status, e.source, e.detail::jsonb, ${occurredAt.toISOString()}::timestamptz
        from unnest(${column((i) => i.row.id!)}::uuid[], ${column((i) => i.row.workspaceId)}::uuid[], ${column((i) => i.event.status)}::text[],
                    ${column((i) => i.event.source)}::text[], ${column((i) => JSON.stringify(i.event.detail))}::text[])
             with ordinality as e(id, workspace_id, status, source, detail, n)
       where exists (select 1 from ${messages} m where m.id = e.id and m.workspace_id = e.workspace_id)
       order by e.n`),
  ]);
  return new Set(insertedChunks.flat().map((r) => r.id));
}
