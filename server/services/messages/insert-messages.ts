import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { messageEvents, messages } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { pgTextArray } from "@/server/lib/pg-array";
import type { MessageInsertRow } from "./record-steps";

/** Rows per multi-row INSERT on the query builder's path (about 40 columns each, far below the 65,535-parameter limit). */
const INSERT_CHUNK = 250;

/** One row of the record step with its first timeline event. */
export interface MessageInsert {
  row: MessageInsertRow;
  event: { status: string; source: string; detail: Record<string, unknown> };
}

type MessageColumn = ReturnType<typeof getTableColumns<typeof messages>>[keyof MessageInsertRow];
const COLUMNS = Object.entries(getTableColumns(messages)) as [keyof MessageInsertRow, MessageColumn][];

/** The array type a column's values are cast to from `text[]` (enums by their type name). */
function arrayType(column: MessageColumn): SQL {
  const type = column.getSQLType();
  if (type.startsWith("timestamp")) return sql.raw(type.includes("with time zone") ? "timestamptz[]" : "timestamp[]");
  if (column.columnType.startsWith("PgEnum")) return sql`${sql.identifier(type)}[]`;
  return sql.raw(`${type}[]`);
}

/**
 * The rows as ONE `INSERT … SELECT FROM unnest(…)`: one `text[]` parameter per column, each
 * value through its column's own driver mapping (dates, JSON), cast to the column's type in SQL.
 * Building a multi-row `VALUES` list costs the query builder and the driver a parameter per cell
 * (about 40 per row), which dominated the record step of large batches; this costs one per
 * column. Columns no row sets are left to their defaults. Answers undefined when a column with a
 * default is set in some rows and not in others (a default cannot be asked for per element):
 * the caller then uses the query builder, which writes `DEFAULT` cell by cell.
 */
function unnestInsert(rows: MessageInsertRow[]): SQL | undefined {
  const names: SQL[] = [];
  const arrays: SQL[] = [];
  for (const [key, column] of COLUMNS) {
    let set = 0;
    for (const row of rows) if (row[key] !== undefined) set++;
    if (set === 0) continue;
    if (set < rows.length && (column.hasDefault || column.defaultFn)) return undefined;
    const values = rows.map((row) => {
      const value = row[key];
      if (value === null || value === undefined) return null;
      return String(column.mapToDriverValue(value));
    });
    names.push(sql`${sql.identifier(column.name)}`);
    arrays.push(sql`${pgTextArray(values)}::${arrayType(column)}`);
  }
  return sql`
    insert into ${messages} (${sql.join(names, sql`, `)})
    select * from unnest(${sql.join(arrays, sql`, `)})
    on conflict do nothing
    returning ${messages.id} as id`;
}

/** The first timeline events of `items` as an `unnest` of one array per column, numbered in order (`n`). */
function eventsSource(items: MessageInsert[]): SQL {
  const column = (pick: (item: MessageInsert) => string) => pgTextArray(items.map(pick));
  return sql`unnest(${column((i) => i.row.id!)}::uuid[], ${column((i) => i.row.workspaceId)}::uuid[], ${column((i) => i.event.status)}::text[],
                    ${column((i) => i.event.source)}::text[], ${column((i) => JSON.stringify(i.event.detail))}::text[])
             with ordinality as e(id, workspace_id, status, source, detail, n)`;
}

/**
 * The record step's write, shared by every outbound message (sends, confirmation requests, system
 * messages, keyword replies): the rows (`ON CONFLICT DO NOTHING`: a concurrent twin with the same
 * idempotency key may win), each with its decision, consent proof and outbox state (a `queued`
 * row is the outbox entry), and their first timeline events, in ONE statement (or, on the query
 * builder's path, pipelined statements in one round trip): only rows inserted under our ids get
 * an event from us. Returns the ids inserted.
 */
export async function insertMessages(tx: Queryable, items: MessageInsert[], occurredAt: Date): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const rows = items.map((item) => item.row);
  const at = occurredAt.toISOString();
  const unnest = unnestInsert(rows);
  if (unnest) {
    // ONE statement: the rows, then (a data-modifying CTE sees what the insert returned) the
    // events of exactly the rows inserted; a row skipped by ON CONFLICT gets no event from us.
    const result = await tx.execute(sql`
      with inserted as (${unnest}),
           events as (
             insert into ${messageEvents} (workspace_id, message_id, status, source, detail, occurred_at)
             select e.workspace_id, e.id, e.status, e.source, e.detail::jsonb, ${at}::timestamptz
               from ${eventsSource(items)}
               join inserted i on i.id = e.id
              order by e.n)
      select id from inserted`);
    return new Set(resultRows<{ id: string }>(result).map((r) => String(r.id)));
  }
  const inserts: Promise<{ id: string }[]>[] = [];
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    // `.execute()` hands each insert to the connection now, ahead of the events statement below.
    inserts.push(tx.insert(messages).values(chunk).onConflictDoNothing().returning({ id: messages.id }).execute());
  }
  const [insertedChunks] = await Promise.all([
    Promise.all(inserts),
    tx.execute(sql`
      insert into ${messageEvents} (workspace_id, message_id, status, source, detail, occurred_at)
      select e.workspace_id, e.id, e.status, e.source, e.detail::jsonb, ${at}::timestamptz
        from ${eventsSource(items)}
       where exists (select 1 from ${messages} m where m.id = e.id and m.workspace_id = e.workspace_id)
       order by e.n`),
  ]);
  return new Set(insertedChunks.flat().map((r) => String(r.id)));
}

/** A tracked link of a message being recorded (`message_links`), its URL already encrypted. */
export interface MessageLinkInsert {
  id: string;
  workspaceId: string;
  messageId: string;
  position: number;
  urlCiphertext: string;
  urlHash: string;
  shortCode: string | null;
}

/**
 * The tracked links of the messages just recorded, as ONE `INSERT … SELECT FROM unnest(…)` for
 * the whole call (a campaign chunk's links included). Only links of messages that exist under
 * their ids are kept: a message skipped by ON CONFLICT (a twin won its key) gets none of ours.
 */
export async function insertMessageLinks(tx: Queryable, links: MessageLinkInsert[]): Promise<void> {
  if (links.length === 0) return;
  const column = (pick: (link: MessageLinkInsert) => string | null) => pgTextArray(links.map(pick));
  await tx.execute(sql`
    insert into message_links (id, workspace_id, message_id, position, url_ciphertext, url_hash, short_code)
    select l.id, l.workspace_id, l.message_id, l.position, l.url_ciphertext, l.url_hash, l.short_code
      from unnest(${column((l) => l.id)}::uuid[], ${column((l) => l.workspaceId)}::uuid[], ${column((l) => l.messageId)}::uuid[],
                  ${column((l) => String(l.position))}::int[], ${column((l) => l.urlCiphertext)}::text[],
                  ${column((l) => l.urlHash)}::text[], ${column((l) => l.shortCode)}::text[])
           as l(id, workspace_id, message_id, position, url_ciphertext, url_hash, short_code)
     where exists (select 1 from ${messages} m where m.id = l.message_id and m.workspace_id = l.workspace_id)`);
}
