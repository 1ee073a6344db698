import { sql, type SQL } from "drizzle-orm";

/** Characters that force quoting (and, for `"` and `\\`, escaping) of a PostgreSQL array element. */
const ARRAY_SPECIAL = /[\\"{},\s]|^$|^null$/i;
const ARRAY_ESCAPE = /[\\"]/g;

/**
 * A `text[]` literal (`{a,"b c",NULL}`) built in one pass, sent as one text parameter and cast in
 * SQL. Cheaper than letting the driver escape a JS array element by element (ciphertexts and
 * hashes never need quoting), and it keeps a 10,000-row batch to a handful of strings.
 */
export function textArrayLiteral(values: readonly (string | null | undefined)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) parts[i] = "NULL";
    else parts[i] = ARRAY_SPECIAL.test(value) ? `"${value.replace(ARRAY_ESCAPE, "\\$&")}"` : value;
  }
  return `{${parts.join(",")}}`;
}

/** `values` as one `text[]` query parameter (cast it in SQL: `${pgTextArray(ids)}::uuid[]`). */
export function pgTextArray(values: readonly (string | null | undefined)[]): SQL {
  return sql`${sql.param(textArrayLiteral(values))}`;
}
