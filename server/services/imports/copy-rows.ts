import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Queryable } from "@/db/client";

/** A field of COPY's text format: `\N` for null, backslash, tab, newline and carriage return escaped. */
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

function copyField(value: string | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c]!) : value;
}

type CopyRow = readonly (string | null | undefined)[];

/** One row in COPY's text format (tab-separated, newline-terminated). */
function copyLine(row: CopyRow): string {
  let line = "";
  for (let i = 0; i < row.length; i++) line += (i ? "\t" : "") + copyField(row[i]);
  return `${line}\n`;
}

/** Rows in COPY's text format (tab-separated, one line each). */
export function copyText(rows: Iterable<CopyRow>): string {
  let text = "";
  for (const row of rows) text += copyLine(row);
  return text;
}

/** Bytes of COPY text per chunk sent: rows are rendered as the socket takes them, not all first. */
const CHUNK_CHARS = 64 * 1024;

/**
 * The rows' COPY text in chunks of about 64 KB, rendered as they are read. A batch's text never
 * exists whole: each chunk, and each row array a lazy `rows` makes, dies before the next, young,
 * so the collector frees it cheaply instead of promoting it for the whole statement.
 */
export function* copyChunks(rows: Iterable<CopyRow>): Generator<string> {
  let chunk = "";
  for (const row of rows) {
    chunk += copyLine(row);
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

interface PostgresJsClient {
  unsafe(query: string): { writable(): Promise<NodeJS.WritableStream> };
}

interface PgliteClient {
  query(query: string, params: unknown[], options: { blob: Blob }): Promise<unknown>;
}

/**
 * Loads rows into `table` (a table of this transaction, e.g. a temporary staging table) with one
 * `COPY … FROM STDIN` on PostgreSQL (postgres.js, on the transaction's own connection), streamed
 * in chunks (`copyChunks`), or `COPY … FROM '/dev/blob'` on PGlite. The text crosses the wire
 * once, unparsed by anything but COPY: cheaper for the server than the same values as array
 * literals cast and unnested. `rows` may be lazy (a generator); nothing is sent when it is empty.
 * `table` and `columns` are SQL identifiers from the caller's code, never from input.
 */
export async function copyRows(
  tx: Queryable,
  table: string,
  columns: readonly string[],
  rows: Iterable<CopyRow>,
): Promise<void> {
  const chunks = copyChunks(rows);
  const first = chunks.next();
  if (first.done) return;
  const client = (tx as unknown as { session?: { client?: unknown } }).session?.client;
  const statement = `copy ${table} (${columns.join(", ")}) from`;
  if (client && typeof (client as PostgresJsClient).unsafe === "function") {
    const writable = await (client as PostgresJsClient).unsafe(`${statement} stdin`).writable();
    await pipeline(Readable.from(resume(first.value, chunks), { objectMode: false }), writable);
    return;
  }
  if (client && typeof (client as PgliteClient).query === "function") {
    const blob = new Blob([...resume(first.value, chunks)]);
    await (client as PgliteClient).query(`${statement} '/dev/blob'`, [], { blob });
    return;
  }
  throw new Error("copyRows: the transaction's driver is neither postgres.js nor PGlite");
}

function* resume(first: string, rest: Generator<string>): Generator<string> {
  yield first;
  yield* rest;
}
