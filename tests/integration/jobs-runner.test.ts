import { eq } from "drizzle-orm";
import { NonRetriableError } from "inngest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { jobCronFires, jobEvents, jobRuns, jobSteps } from "@/db/schema";
import { inngest } from "@/inngest/client";
import { createJobRunner, getJobContext, type JobRunner } from "@/server/jobs";
import { fixedClock } from "@/server/lib/clock";
import { pruneJobHistory } from "@/server/jobs/runner/store";
import { createTestDb } from "../helpers/db";

/**
 * The in-process runner against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL):
 * it drives the real `serve()` handler and persists everything in the job tables. Time is a
 * fixed clock moved by the test, so nothing here waits on wall time.
 */

const T0 = new Date("2030-01-01T02:00:00.000Z");
const RETRY_BASE_MS = 1_000;

/** Side effects of test functions, so tests can count how often a step body really ran. */
const effects = new Map<string, number>();
const bump = (key: string) => effects.set(key, (effects.get(key) ?? 0) + 1);
const count = (key: string) => effects.get(key) ?? 0;

const multiStep = inngest.createFunction(
  { id: "test-multi-step", retries: 2, triggers: [{ event: "test/multi.requested" }] },
  async ({ event, step }) => {
    bump("multi:handler-entered");
    const a = await step.run("first", () => {
      bump("multi:first");
      return { value: Number(event.data.start) + 1 };
    });
    const b = await step.run("second", () => {
      bump("multi:second");
      return a.value * 10;
    });
    const c = await step.run("third", () => {
      bump("multi:third");
      return `${b}!`;
    });
    return { a, b, c };
  },
);

const flaky = inngest.createFunction(
  { id: "test-flaky", retries: 3, triggers: [{ event: "test/flaky.requested" }] },
  async ({ step }) => {
    return step.run("call-provider", () => {
      bump("flaky:attempt");
      if (count("flaky:attempt") < 3) throw new Error("provider timed out");
      return "delivered";
    });
  },
);

const doomed = inngest.createFunction(
  { id: "test-doomed", retries: 5, triggers: [{ event: "test/doomed.requested" }] },
  async ({ step }) => {
    await step.run("validate", () => {
      bump("doomed:attempt");
      throw new NonRetriableError("contact was erased");
    });
    bump("doomed:after");
    return "unreachable";
  },
);

const sleeper = inngest.createFunction(
  { id: "test-sleeper", retries: 0, triggers: [{ event: "test/sleeper.requested" }] },
  async ({ step }) => {
    await step.run("before", () => bump("sleeper:before"));
    await step.sleep("wait-an-hour", "1h");
    await step.run("after", () => bump("sleeper:after"));
    return "woke up";
  },
);

const nightly = inngest.createFunction(
  { id: "test-nightly", retries: 0, triggers: [{ cron: "0 3 * * *" }] },
  async ({ event, step }) => {
    await step.run("work", () => bump("nightly:work"));
    return { cron: (event.data as { cron?: string }).cron };
  },
);

const fanOut = inngest.createFunction(
  { id: "test-fan-out", retries: 0, triggers: [{ event: "test/fan-out.requested" }] },
  async ({ step }) => {
    await step.sendEvent(
      "fan-out",
      [1, 2, 3].map((i) => ({ name: "test/child.requested", data: { i } })),
    );
    return "sent";
  },
);

const child = inngest.createFunction(
  { id: "test-child", retries: 0, triggers: [{ event: "test/child.requested" }] },
  async ({ event, step }) => step.run("child-work", () => Number(event.data.i) * 2),
);

const approval = inngest.createFunction(
  { id: "test-approval", retries: 0, triggers: [{ event: "test/approval.requested" }] },
  async ({ step }) => {
    const approved = await step.waitForEvent("wait-for-approval", {
      event: "test/approval.granted",
      match: "data.requestId",
      timeout: "1d",
    });
    return approved ? { approvedBy: approved.data.by } : { timedOut: true };
  },
);

const withFailureHandler = inngest.createFunction(
  {
    id: "test-with-failure-handler",
    retries: 0,
    triggers: [{ event: "test/failing.requested" }],
    onFailure: async ({ event, step }) => {
      await step.run("record-failure", () => bump(`failure-handler:${event.data.error.message}`));
    },
  },
  async () => {
    throw new Error("boom");
  },
);

const cancellable = inngest.createFunction(
  {
    id: "test-cancellable",
    retries: 0,
    triggers: [{ event: "test/reminder.scheduled" }],
    cancelOn: [{ event: "test/reminder.cancelled", match: "data.reminderId" }],
  },
  async ({ step }) => {
    await step.sleep("until-due", "1d");
    await step.run("send-reminder", () => bump("reminder:sent"));
  },
);

/** Steals its own run's lease mid-step, as if the run had been recovered by another process. */
const usurped = inngest.createFunction(
  { id: "test-usurped", retries: 0, triggers: [{ event: "test/usurped.requested" }] },
  async ({ runId, step }) => {
    await step.run("slow-step", async () => {
      bump("usurped:slow-step");
      const { db } = await getJobContext();
      await db.update(jobRuns).set({ lockedBy: "another-process" }).where(eq(jobRuns.id, runId));
      return "done";
    });
  },
);

const testFunctions = [
  multiStep,
  flaky,
  doomed,
  sleeper,
  nightly,
  fanOut,
  child,
  approval,
  withFailureHandler,
  cancellable,
  usurped,
];

let handle: DbHandle;
let clock: ReturnType<typeof fixedClock>;
const runners: JobRunner[] = [];

function newRunner(overrides: { runnerId?: string; leaseMs?: number } = {}): JobRunner {
  const runner = createJobRunner({
    handle,
    clock,
    functions: testFunctions,
    retryBaseDelayMs: RETRY_BASE_MS,
    ...overrides,
  });
  runners.push(runner);
  return runner;
}

async function runsOf(functionId: string) {
  return handle.db
    .select()
    .from(jobRuns)
    .where(eq(jobRuns.functionId, `optin-manager-${functionId}`));
}

async function onlyRunOf(functionId: string) {
  const runs = await runsOf(functionId);
  expect(runs).toHaveLength(1);
  return runs[0]!;
}

beforeEach(async () => {
  effects.clear();
  handle = await createTestDb();
  clock = fixedClock(T0);
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
  await handle.close();
});

describe("in-process job runner", () => {
  it("runs a multi-step function to completion and runs each step body exactly once (memoisation)", async () => {
    const runner = newRunner();
    await runner.send([{ name: "test/multi.requested", data: { start: 4 } }]);
    await runner.drain();

    const run = await onlyRunOf("test-multi-step");
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ a: { value: 5 }, b: 50, c: "50!" });
    expect([count("multi:first"), count("multi:second"), count("multi:third")]).toEqual([1, 1, 1]);
    // The handler is re-entered once per step plus once to finish: the memoised steps are replayed.
    expect(count("multi:handler-entered")).toBe(4);
    const steps = await handle.db.select().from(jobSteps).where(eq(jobSteps.runId, run.id));
    expect(steps.map((s) => [s.name, s.position]).sort()).toEqual([
      ["first", 0],
      ["second", 1],
      ["third", 2],
    ]);
  });

  it("retries a failing step with exponential backoff and then succeeds", async () => {
    const runner = newRunner();
    await runner.send([{ name: "test/flaky.requested", data: {} }]);
    await runner.drain();

    let run = await onlyRunOf("test-flaky");
    expect(count("flaky:attempt")).toBe(1);
    expect(run.status).toBe("queued");
    expect(run.attempt).toBe(1);
    expect(run.wakeAt?.getTime()).toBe(T0.getTime() + RETRY_BASE_MS);
    expect(run.error).toMatchObject({ message: "provider timed out" });

    // Not due yet: nothing happens a millisecond before the backoff ends.
    clock.advance(RETRY_BASE_MS - 1);
    await runner.drain();
    expect(count("flaky:attempt")).toBe(1);

    clock.advance(1);
    await runner.drain();
    run = await onlyRunOf("test-flaky");
    expect(count("flaky:attempt")).toBe(2);
    expect(run.attempt).toBe(2);
    // The second delay doubles.
    expect(run.wakeAt?.getTime()).toBe(clock().getTime() + 2 * RETRY_BASE_MS);

    clock.advance(2 * RETRY_BASE_MS);
    await runner.drain();
    run = await onlyRunOf("test-flaky");
    expect(count("flaky:attempt")).toBe(3);
    expect(run.status).toBe("completed");
    expect(run.output).toBe("delivered");
    expect(run.attempt).toBe(0);
  });

  it("fails the run on a NonRetriableError without any retry", async () => {
    const runner = newRunner();
    await runner.send([{ name: "test/doomed.requested", data: {} }]);
    await runner.drain({ until: new Date(T0.getTime() + 24 * 3600_000) });

    const run = await onlyRunOf("test-doomed");
    expect(run.status).toBe("failed");
    expect(count("doomed:attempt")).toBe(1);
    expect(count("doomed:after")).toBe(0);
    expect(JSON.stringify(run.error)).toContain("contact was erased");
    expect(run.wakeAt).toBeNull();
  });

  it("parks step.sleep until the clock passes its end, then resumes", async () => {
    const runner = newRunner();
    await runner.send([{ name: "test/sleeper.requested", data: {} }]);
    await runner.drain();

    let run = await onlyRunOf("test-sleeper");
    expect(run.status).toBe("sleeping");
    expect(run.wakeAt?.toISOString()).toBe("2030-01-01T03:00:00.000Z");
    expect(count("sleeper:before")).toBe(1);
    expect(count("sleeper:after")).toBe(0);

    clock.advance(59 * 60_000);
    await runner.drain();
    expect((await onlyRunOf("test-sleeper")).status).toBe("sleeping");
    expect(count("sleeper:after")).toBe(0);

    clock.advance(60_000);
    await runner.drain();
    run = await onlyRunOf("test-sleeper");
    expect(run.status).toBe("completed");
    expect(run.output).toBe("woke up");
    expect([count("sleeper:before"), count("sleeper:after")]).toEqual([1, 1]);
  });

  it("fires a cron slot once even when two runners (two processes) see it", async () => {
    const first = newRunner({ runnerId: "process-a" });
    const second = newRunner({ runnerId: "process-b" });
    await Promise.all([first.drain(), second.drain()]);
    expect(await runsOf("test-nightly")).toHaveLength(0);

    clock.set(new Date("2030-01-01T03:00:05.000Z"));
    await Promise.all([first.drain(), second.drain()]);
    await Promise.all([first.drain(), second.drain()]);

    const run = await onlyRunOf("test-nightly");
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ cron: "0 3 * * *" });
    expect(count("nightly:work")).toBe(1);
    const fires = await handle.db.select().from(jobCronFires);
    expect(fires).toHaveLength(1);
    expect(fires[0]!.slot.toISOString()).toBe("2030-01-01T03:00:00.000Z");
    expect(fires[0]!.runId).toBe(run.id);

    // The next night fires the next slot, again once.
    clock.set(new Date("2030-01-02T03:00:01.000Z"));
    await Promise.all([first.drain(), second.drain()]);
    expect(await runsOf("test-nightly")).toHaveLength(2);
    expect(count("nightly:work")).toBe(2);
  });

  it("recovers a run whose lease belongs to a dead runner once the lease expires", async () => {
    const leaseMs = 30_000;
    const runner = newRunner({ runnerId: "survivor", leaseMs });
    await runner.send([{ name: "test/multi.requested", data: { start: 1 } }]);
    const [queued] = await runsOf("test-multi-step");
    // A process claimed it and died: status running, lease in the future.
    await handle.db
      .update(jobRuns)
      .set({ status: "running", lockedBy: "dead-process", lockedUntil: new Date(T0.getTime() + leaseMs) })
      .where(eq(jobRuns.id, queued!.id));

    await runner.drain();
    let run = await onlyRunOf("test-multi-step");
    expect(run.status).toBe("running");
    expect(run.lockedBy).toBe("dead-process");
    expect(count("multi:first")).toBe(0);

    clock.advance(leaseMs + 1);
    await runner.drain();
    run = await onlyRunOf("test-multi-step");
    expect(run.status).toBe("completed");
    expect(run.lockedBy).toBeNull();
    expect(run.output).toEqual({ a: { value: 2 }, b: 20, c: "20!" });
  });

  it("fans out with step.sendEvent to other functions through the runner", async () => {
    const runner = newRunner();
    await runner.send([{ name: "test/fan-out.requested", data: {} }]);
    await runner.drain();

    expect((await onlyRunOf("test-fan-out")).status).toBe("completed");
    const children = await runsOf("test-child");
    expect(children).toHaveLength(3);
    expect(children.every((c) => c.status === "completed")).toBe(true);
    expect(children.map((c) => c.output).sort()).toEqual([2, 4, 6]);
  });

  it("resumes step.waitForEvent on the matching event only, and returns null on timeout", async () => {
    const runner = newRunner();
    await runner.send([
      { name: "test/approval.requested", data: { requestId: "r-1" } },
      { name: "test/approval.requested", data: { requestId: "r-2" } },
    ]);
    await runner.drain();
    const waiting = await runsOf("test-approval");
    expect(waiting.map((r) => r.status)).toEqual(["waiting", "waiting"]);

    await runner.send([{ name: "test/approval.granted", data: { requestId: "r-1", by: "owner" } }]);
    await runner.drain();
    const byRequest = async (id: string) =>
      (await runsOf("test-approval")).find((r) => (r.event.data as { requestId: string }).requestId === id)!;
    expect((await byRequest("r-1")).status).toBe("completed");
    expect((await byRequest("r-1")).output).toEqual({ approvedBy: "owner" });
    expect((await byRequest("r-2")).status).toBe("waiting");

    await runner.drain({ until: new Date(T0.getTime() + 24 * 3600_000 + 1) });
    expect((await byRequest("r-2")).status).toBe("completed");
    expect((await byRequest("r-2")).output).toEqual({ timedOut: true });
  });

  it("ignores a resent event with the same id (event idempotency)", async () => {
    const runner = newRunner();
    await runner.send([{ name: "test/multi.requested", id: "import-42", data: { start: 1 } }]);
    await runner.send([{ name: "test/multi.requested", id: "import-42", data: { start: 1 } }]);
    await runner.drain();
    expect(await runsOf("test-multi-step")).toHaveLength(1);
    expect(count("multi:first")).toBe(1);
  });

  it("starts the onFailure handler once when a run fails for good", async () => {
    const runner = newRunner();
    await runner.send([{ name: "test/failing.requested", data: {} }]);
    await runner.drain();

    expect((await onlyRunOf("test-with-failure-handler")).status).toBe("failed");
    const failureRun = await onlyRunOf("test-with-failure-handler-failure");
    expect(failureRun.status).toBe("completed");
    expect(failureRun.event.name).toBe("inngest/function.failed");
    expect(count("failure-handler:boom")).toBe(1);
  });

  it("cancels a sleeping run when its cancelOn event matches, and only that run", async () => {
    const runner = newRunner();
    await runner.send([
      { name: "test/reminder.scheduled", data: { reminderId: "a" } },
      { name: "test/reminder.scheduled", data: { reminderId: "b" } },
    ]);
    await runner.drain();
    await runner.send([{ name: "test/reminder.cancelled", data: { reminderId: "a" } }]);
    await runner.drain({ until: new Date(T0.getTime() + 2 * 24 * 3600_000) });

    const runs = await runsOf("test-cancellable");
    const statusOf = (id: string) =>
      runs.find((r) => (r.event.data as { reminderId: string }).reminderId === id)?.status;
    expect([statusOf("a"), statusOf("b")]).toEqual(["cancelled", "completed"]);
    expect(count("reminder:sent")).toBe(1);
  });

  it("drops its progress when the run was taken over mid-step (fenced writes)", async () => {
    const runner = newRunner();
    await runner.send([{ name: "test/usurped.requested", data: {} }]);
    await runner.drain();

    const run = await onlyRunOf("test-usurped");
    expect(count("usurped:slow-step")).toBe(1);
    expect(run.status).toBe("running");
    expect(run.lockedBy).toBe("another-process");
    expect(await handle.db.select().from(jobSteps).where(eq(jobSteps.runId, run.id))).toHaveLength(0);
  });

  it("enqueues atomically with the caller's transaction: a rollback leaves no event and no run", async () => {
    const runner = newRunner();
    await expect(
      handle.db.transaction(async (tx) => {
        await runner.send([{ name: "test/multi.requested", data: { start: 1 } }], { db: tx });
        throw new Error("business rule failed");
      }),
    ).rejects.toThrow("business rule failed");
    await runner.drain();
    expect(await runsOf("test-multi-step")).toHaveLength(0);
    expect(count("multi:first")).toBe(0);
  });

  it("processes sent events from its polling loop without drain()", async () => {
    const runner = createJobRunner({ handle, functions: testFunctions, pollIntervalMs: 20 });
    runners.push(runner);
    runner.start();
    await runner.send([{ name: "test/multi.requested", data: { start: 2 } }]);
    await expect
      .poll(async () => (await runsOf("test-multi-step"))[0]?.status, { timeout: 10_000, interval: 25 })
      .toBe("completed");
    await runner.stop();
    expect(runner.isRunning).toBe(false);
  });

  it("prunes ended runs, their steps and old events after the retention window, never active runs", async () => {
    const runner = newRunner();
    await runner.send([
      { name: "test/multi.requested", data: { start: 1 } },
      { name: "test/sleeper.requested", data: {} },
    ]);
    await runner.drain();
    // The multi-step run ended; the sleeper is parked for an hour.
    clock.advance(30 * 60_000);

    const pruned = await pruneJobHistory(handle.db, clock());
    expect(pruned).toMatchObject({ runs: 1, events: 2 });
    expect(await runsOf("test-multi-step")).toHaveLength(0);
    expect(await handle.db.select().from(jobEvents)).toHaveLength(0);
    const [sleeping] = await runsOf("test-sleeper");
    expect(sleeping?.status).toBe("sleeping");

    await runner.drain({ until: new Date(T0.getTime() + 2 * 3600_000) });
    expect((await onlyRunOf("test-sleeper")).status).toBe("completed");
  });
});
