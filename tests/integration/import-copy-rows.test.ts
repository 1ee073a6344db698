import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { copyChunks, copyRows, copyText } from "@/server/services/imports/copy-rows";
import { createTestDb } from "@/tests/helpers/db";

/**
 * The batch writer stages its rows with COPY (postgres.js FROM STDIN on PostgreSQL, /dev/blob on
 * PGlite): the database must read back exactly the values, inside the writer's transaction.
 */
let handle: DbHandle;

beforeAll(async () => {
  handle = await createTestDb();
}, 120_000);
afterAll(async () => {
  await handle?.close();
});

const AWKWARD = [
  "plain",
  "v1.k1.abc-_DEF.xyz",
  "",
  null,
  "\\N",
  "NULL",
  "back\\slash",
  "line\nbreak\ttab\rreturn",
  "\\.",
  'quote " and {brace}, comma',
  "ünïcödé ✓",
];

describe("copyRows", () => {
  it("round-trips awkward values, NULLs and the empty string through COPY into a temporary table", async () => {
    const read = await handle.db.transaction(async (tx) => {
      await tx.execute(sql`create temporary table copy_check (n int, v text, flag boolean) on commit drop`);
      await copyRows(
        tx,
        "copy_check",
        ["n", "v", "flag"],
        AWKWARD.map((v, i) => [String(i), v, i % 2 ? "t" : "f"]),
      );
      const result = (await tx.execute(sql`select n, v, flag from copy_check order by n`)) as unknown;
      return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
        n: number;
        v: string | null;
        flag: boolean;
      }[];
    });
    expect(read.map((row) => row.v)).toEqual(AWKWARD);
    expect(read.map((row) => row.flag)).toEqual(AWKWARD.map((_, i) => i % 2 === 1));
  });

  it("writes nothing for no rows, and one line per row", () => {
    expect(copyText([])).toBe("");
    expect(
      copyText([
        ["a", null],
        ["b\tc", ""],
      ]),
    ).toBe("a\t\\N\nb\\tc\t\n");
  });

  it("streams a large batch in chunks that add up to the same text, rendering rows as it goes", async () => {
    let rendered = 0;
    function* rows() {
      for (let i = 0; i < 5_000; i++) {
        rendered++;
        yield [String(i), `v1.k1.${"x".repeat(40)}\t${i}`, i % 3 ? null : ""];
      }
    }
    const chunks = copyChunks(rows());
    const first = chunks.next();
    // The first chunk is ready long before every row is rendered.
    expect(first.done).toBe(false);
    expect(rendered).toBeLessThan(5_000);
    const all = [first.value as string, ...chunks];
    expect(all.length).toBeGreaterThan(3);
    expect(all.join("")).toBe(copyText(rows()));

    const count = await handle.db.transaction(async (tx) => {
      await tx.execute(sql`create temporary table copy_many (n int, v text, e text) on commit drop`);
      await copyRows(tx, "copy_many", ["n", "v", "e"], rows());
      const result = (await tx.execute(
        sql`select count(*)::int as n, count(*) filter (where e is null)::int as nulls, max(v) as v from copy_many`,
      )) as unknown;
      return (
        (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
          n: number;
          nulls: number;
          v: string;
        }[]
      )[0]!;
    });
    expect(count.n).toBe(5_000);
    expect(count.nulls).toBe(3_333);
    expect(count.v).toBe(`v1.k1.${"x".repeat(40)}\t999`);
  });
});
