import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { eq } from "drizzle-orm";
import { jobRuns, verificationTokens } from "@/db/schema";
import { tokensPurgeRequested } from "@/inngest/events";
import { drainJobs, getJobRunner, startJobRunner, stopJobRunner } from "@/server/jobs";
import { sendEvent } from "@/server/jobs/send";
import { fixedClock } from "@/server/lib/clock";
import { createTestDb } from "../helpers/db";

/**
 * The process-wide API boot code and services use: startJobRunner / sendEvent / drainJobs /
 * stopJobRunner. Tests run with JOBS_DISABLED=1, so the runner is registered but never polls:
 * work happens exactly when the test drains.
 */
let handle: DbHandle;
const clock = fixedClock("2030-01-01T12:00:00.000Z");

beforeEach(async () => {
  handle = await createTestDb();
});

afterEach(async () => {
  await stopJobRunner();
  await handle.close();
});

/** Runs of the purge function only: every-minute crons (the dispatch sweep) also fire once at start. */
const purgeRuns = () =>
  handle.db.select().from(jobRuns).where(eq(jobRuns.functionId, "optin-manager-purge-expired-tokens"));

async function seedExpiredToken() {
  await handle.db.insert(verificationTokens).values({
    identifier: "someone@example.com",
    token: `t-${Math.random()}`,
    expires: new Date("2030-01-01T00:00:00.000Z"),
  });
}

describe("job runner boot API", () => {
  it("registers one runner per process; sendEvent enqueues and drainJobs runs it", async () => {
    const runner = await startJobRunner({ handle, clock });
    expect(runner).not.toBeNull();
    expect(await startJobRunner({ handle, clock })).toBe(runner);
    expect(getJobRunner()?.isRunning).toBe(false); // JOBS_DISABLED: registered, not polling

    await seedExpiredToken();
    const { ids } = await sendEvent(tokensPurgeRequested.create({ reason: "test" }));
    expect(ids).toHaveLength(1);
    expect((await purgeRuns())[0]?.status).toBe("queued");

    const result = await drainJobs();
    expect(result.claims).toBeGreaterThanOrEqual(1);
    const [run] = await purgeRuns();
    expect(run?.status).toBe("completed");
    expect(run?.output).toEqual({ verificationTokens: 1, invitations: 0 });

    await stopJobRunner();
    expect(getJobRunner()).toBeUndefined();
  });

  it("still records the event and its run when no runner is started yet (picked up later)", async () => {
    expect(getJobRunner()).toBeUndefined();
    await sendEvent({ name: tokensPurgeRequested.name, data: { reason: "early" } }, { db: handle.db });
    expect((await handle.db.select().from(jobRuns)).map((r) => r.status)).toEqual(["queued"]);

    await startJobRunner({ handle, clock });
    await drainJobs();
    expect((await purgeRuns()).map((r) => r.status)).toEqual(["completed"]);
  });
});
