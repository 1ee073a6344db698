import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { testDatabaseKind } from "@/tests/helpers/db";

const run = promisify(execFile);

describe("delivery benchmark (smoke)", () => {
  it("runs a 300-recipient campaign unthrottled through the Resend stub: every recipient gets one email, and one JSON summary line", async () => {
    const db = testDatabaseKind();
    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_DATABASE_URL: process.env.TEST_DATABASE_URL };
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "bench/run.ts", "delivery", "--size", "300", "--phases", "1", "--db", db],
      { cwd: path.resolve(__dirname, "../.."), env, timeout: 120_000 },
    );
    const summary = JSON.parse(stdout.trim().split("\n").pop()!) as {
      name: string;
      size: number;
      duplicates: number;
      lost: number;
      unthrottled: { status: string; sent: number; delivered: number; statuses: Record<string, number> };
      [key: string]: unknown;
    };
    expect(summary).toMatchObject({ name: "delivery", db, size: 300, duplicates: 0, lost: 0 });
    // Every message was handed to the provider (and recorded sent), once: the run completed.
    expect(summary.unthrottled).toMatchObject({
      status: "completed",
      sent: 300,
      delivered: 300,
      statuses: { sent: 300 },
    });
    for (const key of ["msgPerSec", "appCpuMsPerMsg", "baselineMs", "ms", "ratio"])
      expect(summary[key] as number).toBeGreaterThan(0);
    expect(summary.cpuMethod).toEqual(expect.any(String));
    // Phases 2 and 3 were not asked for.
    expect(summary).toMatchObject({ limitShare: null, overLimit: null, throttled: null, crash: null });
  }, 150_000);
});
