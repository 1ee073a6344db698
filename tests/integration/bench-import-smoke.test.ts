import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { testDatabaseKind } from "@/tests/helpers/db";

const run = promisify(execFile);

describe("import benchmark (smoke)", () => {
  it("imports 2,000 generated rows through runImport and prints one JSON summary line", async () => {
    const db = testDatabaseKind();
    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_DATABASE_URL: process.env.TEST_DATABASE_URL };
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "bench/run.ts", "import", "--size", "2000", "--db", db],
      {
        cwd: path.resolve(__dirname, "../.."),
        env,
        timeout: 120_000,
      },
    );
    const summary = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, number>;
    expect(summary).toMatchObject({ rows: 2000, updated: 400 });
    // 3% invalid (60) + 5% duplicates, except in the first 100 rows, which have no earlier row to repeat (95).
    expect(summary.rejected).toBe(60 + 95);
    expect(summary.inserted! + summary.updated! + summary.rejected!).toBe(2000);
    for (const key of ["rowsPerSec", "baselineRowsPerSec", "ratio", "peakRssMb", "prepareRowsPerSec"])
      expect(summary[key]).toBeGreaterThan(0);
  }, 150_000);
});
