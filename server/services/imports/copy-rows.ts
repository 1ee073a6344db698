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

/** Rows in COPY's text format (tab-separated, one line each). */
export function copyText(rows: readonly (readonly (string | null | undefined)[])[]): string {
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) lines[i] = rows[i]!.map(copyField).join("\t");
  return lines.length ? `${lines.join("\n")}\n` : "";
}

interface PostgresJsClient {
  unsafe(query: string): { writable(): Promise<NodeJS.WritableStream> };
}

interface PgliteClient {
  query(query: string, params: unknown[], options: { blob: Blob }): Promise<unknown>;
}

/**
 * Loads rows into `table` (a table of this transaction, e.g. a temporary staging table) with one
 * `COPY … FROM STDIN` on PostgreSQL (postgres.js, on the transaction's own connection), or
 * `COPY … FROM '/dev/blob'` on PGlite. The text crosses the wire once, unparsed by anything but
 * COPY: cheaper for the server than the same values as array literals cast and unnested.
 * `table` and `columns` are SQL identifiers from the caller's code, never from input.
 */
export async function copyRows(
  tx: Queryable,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly (string | null | undefined)[])[],
): Promise<void> {
  if (!rows.length) return;
  const text = copyText(rows);
  const client = (tx as unknown as { session?: { client?: unknown } }).session?.client;
  const statement = `copy ${table} (${columns.join(", ")}) from`;
  if (client && typeof (client as PostgresJsClient).unsafe === "function") {
    const writable = await (client as PostgresJsClient).unsafe(`${statement} stdin`).writable();
    await pipeline(Readable.from([Buffer.from(text)]), writable);
    return;
  }
  if (client && typeof (client as PgliteClient).query === "function") {
    await (client as PgliteClient).query(`${statement} '/dev/blob'`, [], { blob: new Blob([text]) });
    return;
  }
  throw new Error("copyRows: the transaction's driver is neither postgres.js nor PGlite");
}
