import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textArrayLiteral } from "@/server/lib/pg-array";

/** The batch writer ships each column as one `text[]` literal: PostgreSQL must read back exactly the values. */
let db: PGlite;

beforeAll(async () => {
  db = await PGlite.create();
}, 120_000);
afterAll(async () => {
  await db?.close();
});

describe("textArrayLiteral", () => {
  it("round-trips awkward values, NULLs and the empty string through a text[] cast", async () => {
    const values = [
      "plain",
      "v1.k1.abc-_DEF.xyz",
      "",
      null,
      "NULL",
      "null",
      "with space",
      " leading",
      'quote " inside',
      "back\\slash",
      "comma, brace { } end",
      '{"plan":"gold","note":"a \\"b\\""}',
      "line\nbreak\ttab",
      "ünïcödé ✓",
    ];
    const { rows } = await db.query<{ v: (string | null)[] }>("select $1::text[] as v", [textArrayLiteral(values)]);
    expect(rows[0]!.v).toEqual(values);
  });

  it("gives an empty array for no values and keeps order for many", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? null : `value ${i}`));
    const { rows } = await db.query<{ empty: string[]; many: (string | null)[] }>(
      "select $1::text[] as empty, $2::text[] as many",
      [textArrayLiteral([]), textArrayLiteral(many)],
    );
    expect(rows[0]!.empty).toEqual([]);
    expect(rows[0]!.many).toEqual(many);
  });
});
