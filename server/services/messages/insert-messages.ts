import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { messageEvents, messages } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { PgDialect } from "drizzle-orm/pg-core";
import { pgTextArray, textArrayLiteral } from "@/server/lib/pg-array";
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
 * The statement text of `insertMessages` for one set of columns, rendered once: with the query
 * builder, composing it (about 40 column identifiers and casts, the tables, the events CTE) on
 * every call was the largest single item of the send path's own CPU (~6% of the server's busy time
 * under the send benchmark). Per call only the parameters change, and the unchanged text also lets
 * the driver reuse its prepared statement.
 */
interface CompiledInsert {
  /** The columns set, in table order, with the cast of their array parameter. */
  columns: [keyof MessageInsertRow, MessageColumn][];
  /** The text around the parameters: the column arrays, then the event arrays, then occurred_at. */
  strings: TemplateStringsArray;
}

const dialect = new PgDialect();
const compiledInserts = new Map<string, CompiledInsert>();
const render = (fragment: SQL) => dialect.sqlToQuery(fragment).sql;

function compileInsert(signature: string, columns: [keyof MessageInsertRow, MessageColumn][]): CompiledInsert {
  let compiled = compiledInserts.get(signature);
  if (compiled) return compiled;
  const names = columns.map(([, column]) => render(sql`${sql.identifier(column.name)}`)).join(", ");
  const parts: string[] = [
    `with inserted as (insert into ${render(sql`${messages}`)} (${names}) select * from unnest(`,
  ];
  columns.forEach(([, column], i) => {
    parts.push(`::${render(arrayType(column))}${i < columns.length - 1 ? ", " : ""}`);
  });
  parts[parts.length - 1] += `) on conflict do nothing returning ${render(sql`${sql.identifier("id")}`)} as id),
     events as (
       insert into ${render(sql`${messageEvents}`)} (workspace_id, message_id, status, source, detail, occurred_at)
       select e.workspace_id, e.id, e.status, e.source, e.detail::jsonb, t.at
         from unnest(`;
  parts.push(
    "::uuid[], ",
    "::uuid[], ",
    "::text[], ",
    "::text[], ",
    "::text[]) with ordinality as e(id, workspace_id, status, source, detail, n) cross join (select ",
  );
  parts.push(`::timestamptz as at) t
         join inserted i on i.id = e.id
        order by e.n)
select id from inserted`);
  compiled = { columns, strings: Object.assign([...parts], { raw: [...parts] }) as unknown as TemplateStringsArray };
  // A handful of column sets exist (sends, campaign chunks, system messages): the map stays small.
  compiledInserts.set(signature, compiled);
  return compiled;
}

/**
 * The rows and their first events as ONE statement: `INSERT … SELECT FROM unnest(…)` with one
 * `text[]` parameter per column, each value through its column's own driver mapping (dates,
 * JSON) and cast to the column's type in SQL, then (a data-modifying CTE sees what the insert
 * returned) the events of exactly the rows inserted; a row skipped by ON CONFLICT gets no event
 * from us. Building a multi-row `VALUES` list costs the query builder and the driver a parameter
 * per cell (about 40 per row), which dominated the record step of large batches; this costs one
 * per column. Columns no row sets are left to their defaults. Answers undefined when a column with
 * a default is set in some rows and not in others (a default cannot be asked for per element):
 * the caller then uses the query builder, which writes `DEFAULT` cell by cell.
 */
function unnestInsert(items: MessageInsert[], at: string): SQL | undefined {
  const rows = items.map((item) => item.row);
  const set: [keyof MessageInsertRow, MessageColumn][] = [];
  let signature = "";
  for (const entry of COLUMNS) {
    const [key, column] = entry;
    let count = 0;
    for (const row of rows) if (row[key] !== undefined) count++;
    if (count === 0) continue;
    if (count < rows.length && (column.hasDefault || column.defaultFn)) return undefined;
    set.push(entry);
    signature += `${key},`;
  }
  const { columns, strings } = compileInsert(signature, set);
  const params: string[] = columns.map(([key, column]) =>
    textArrayLiteral(
      rows.map((row) => {
        const value = row[key];
        return value === null || value === undefined ? null : String(column.mapToDriverValue(value));
      }),
    ),
  );
  params.push(
    textArrayLiteral(items.map((i) => i.row.id!)),
    textArrayLiteral(items.map((i) => i.row.workspaceId)),
    textArrayLiteral(items.map((i) => i.event.status)),
    textArrayLiteral(items.map((i) => i.event.source)),
    textArrayLiteral(items.map((i) => JSON.stringify(i.event.detail))),
    at,
  );
  return sql(strings, ...params);
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
  const statement = unnestInsert(items, at);
  if (statement) {
    const result = await tx.execute(statement);
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
