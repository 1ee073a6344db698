/**
 * JSON with object keys sorted at every level (by UTF-16 code unit, the order of `Array#sort`),
 * so a value serialises the same whatever its key order: after a jsonb round trip, between two
 * equal requests, or between a stored definition and an edited one. Keys whose value is
 * `undefined` are dropped and an `undefined` array element becomes `null`, as `JSON.stringify`
 * does; dates become their ISO string.
 *
 * Stored hashes depend on this exact output (the audit chain, messages' request hashes): change it
 * only with a migration of what it hashed.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}
