import { getTableColumns, type Table } from "drizzle-orm";

/** The rows of a raw `db.execute(sql…)` result: postgres.js answers an array, PGlite `{ rows }`. */
export function resultRows<T = Record<string, unknown>>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * Raw rows (database column names, driver values) as the table's select type, through each
 * column's own driver mapping — the same objects `db.select().from(table)` returns. For
 * statements the query builder cannot express (e.g. `UPDATE … RETURNING` inside a CTE).
 */
export function mapTableRows<T extends Table>(table: T, raw: Record<string, unknown>[]): T["$inferSelect"][] {
  const columns = Object.entries(getTableColumns(table));
  return raw.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [key, column] of columns) {
      const value = row[column.name];
      out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return out as T["$inferSelect"];
  });
}
