import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { testDatabaseKind } from "@/tests/helpers/db";

const run = promisify(execFile);

interface FanoutSummary {
  name: string;
  size: number;
  ms: number;
  baselineMs: number;
  ratio: number;
  statements: number;
  peakRssMb: number;
  recipients: number;
  runStatus: string;
  counts: { pending: number; blocked: Record<string, number> };
  rowMismatches: number;
  countsMatch: boolean;
}

describe("fan-out benchmark (smoke)", () => {
  it("freezes a 2,000-contact run, every recipient as an independent count expects, in a bounded number of statements", async () => {
    const db = testDatabaseKind();
    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_DATABASE_URL: process.env.TEST_DATABASE_URL };
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "bench/run.ts", "fanout", "--size", "2000", "--db", db],
      { cwd: path.resolve(__dirname, "../.."), env, timeout: 120_000 },
    );
    const summary = JSON.parse(stdout.trim().split("\n").pop()!) as FanoutSummary;
    expect(summary).toMatchObject({
      name: "fanout",
      size: 2000,
      runStatus: "sending",
      rowMismatches: 0,
      countsMatch: true,
    });
    // The audience is every contact with an email (90%), and every reason the seed sets up occurs.
    expect(summary.recipients).toBeGreaterThan(1700);
    expect(summary.recipients).toBeLessThan(1900);
    expect(Object.keys(summary.counts.blocked).sort()).toEqual([
      "frequency_cap",
      "no_consent",
      "opted_out",
      "suppressed",
    ]);
    expect(summary.counts.pending).toBeGreaterThan(summary.recipients / 2);
    // One INSERT … SELECT and a few bookkeeping statements, not one per recipient (nor per chunk).
    expect(summary.statements).toBeGreaterThan(0);
    expect(summary.statements).toBeLessThanOrEqual(20);
    for (const key of ["ms", "baselineMs", "ratio", "peakRssMb"] as const) expect(summary[key]).toBeGreaterThan(0);
  }, 150_000);
});
