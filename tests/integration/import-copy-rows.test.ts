import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { copyRows, copyText } from "@/server/services/imports/copy-rows";
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
});
