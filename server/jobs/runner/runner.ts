import { randomUUID } from "node:crypto";
import os from "node:os";
import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, lt, or, sql } from "drizzle-orm";
import type { Inngest, InngestFunction } from "inngest";
import { serve } from "inngest/next";
import type { NextRequest } from "next/server";
import type { DbHandle, Queryable } from "@/db/client";
import {
  jobCronFires,
  jobEvents,
  jobRuns,
  jobSteps,
  type PendingOp,
  type StoredEvent,
  type StoredStepResult,
} from "@/db/schema";
import { systemClock, type Clock } from "@/server/lib/clock";
import { logger as defaultLogger, type Logger } from "@/server/lib/logger";
import { runWithJobContext } from "./context";
import { resolveWakeTime, retryDelayMs } from "./durations";
import { compileExpression, matches } from "./expressions";
import { buildRegistry, CRON_EVENT_NAME, FAILURE_EVENT_NAME, type RegisteredFunction } from "./registry";
import { ACTIVE_STATUSES, enqueueEvents, insertRun, normalizeEvents, pruneJobHistory } from "./store";

export interface JobRunnerOptions {
  handle: DbHandle;
  logger?: Logger;
  /** The runner's notion of time: sleeps, retries, leases and cron slots all read it. */
  clock?: Clock;
  /** How often the loop looks for due runs and cron slots (sent events wake it at once). */
  pollIntervalMs?: number;
  /** Defaults to the app's client and functions; tests pass their own functions. */
  client?: Inngest.Any;
  functions?: readonly InngestFunction.Any[];
  /** Runs processed at the same time by the polling loop. */
  concurrency?: number;
  /** How long a claimed run stays ours without a heartbeat; a dead process's runs are recovered after it. */
  leaseMs?: number;
  /** First retry delay; doubled per attempt up to `retryMaxDelayMs`. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Handler calls per claim before the run goes back in the queue so others get a turn. */
  maxCallsPerClaim?: number;
  /** A cron slot missed by at most this much (e.g. across a restart) still fires at start. */
  cronCatchUpMs?: number;
  /** Ended runs, events and cron fires older than this are deleted (hourly, by the polling loop). */
  retentionMs?: number;
  runnerId?: string;
}

export interface DrainResult {
  /** Runs claimed (a run parked and resumed twice counts twice). */
  claims: number;
  cronFires: number;
}

type RunRow = typeof jobRuns.$inferSelect;
type StepRow = Pick<typeof jobSteps.$inferSelect, "stepId" | "result" | "position">;

/** An op as the serve handler returns it in a 206 body. */
interface OutgoingOp {
  id: string;
  op: string;
  name?: string;
  displayName?: string;
  opts?: Record<string, unknown>;
  data?: unknown;
  error?: Record<string, unknown>;
  userland?: { id?: string };
}

/** A fenced write found the run no longer ours (lease lost to a recovery, or cancelled). */
class LostRunError extends Error {}

const UNSUPPORTED_OPS: Record<string, string> = {
  InvokeFunction: "step.invoke()",
  WaitForSignal: "step.waitForSignal()",
  AIGateway: "step.ai.infer()",
  Gateway: "step.fetch()",
  DeferAdd: "defer()",
  DeferAbort: "defer()",
};

/** Manual clocks (`fixedClock`) can be moved; `drain({ until })` uses that. */
function settable(clock: Clock): (Clock & { set(at: Date): void }) | null {
  const candidate = clock as Clock & { set?: unknown };
  return typeof candidate.set === "function" ? (clock as Clock & { set(at: Date): void }) : null;
}

function serializeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack ?? "" };
  if (error && typeof error === "object") return error as Record<string, unknown>;
  return { name: "Error", message: String(error) };
}

/**
 * Executes the app's Inngest functions without an Inngest server, speaking the server's side of
 * the serve protocol to the real `serve()` handler in-process: each POST carries the event, the
 * memoised step results and `ctx` (`run_id`, `attempt`, `stack`); the answer is 206 with the
 * next op(s), 200 with the output, or an error (with `x-inngest-no-retry` / `retry-after`).
 *
 * State lives in `job_runs` / `job_steps` / `job_events` / `job_cron_fires`, so runs survive a
 * restart and several processes on one PostgreSQL share the work: a run is processed by the one
 * runner holding its lease, and unique indexes make step results, cron slots and idempotent
 * runs single-writer. Delivery is at-least-once per step: a step whose process dies mid-step
 * runs again after the lease expires (as on Inngest), so steps must be idempotent.
 */
export class JobRunner {
  readonly id: string;
  readonly registry: ReadonlyMap<string, RegisteredFunction>;
  private readonly handle: DbHandle;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly maxCallsPerClaim: number;
  private readonly cronCatchUpMs: number;
  private readonly retentionMs: number;
  private lastPruneAt = 0;
  private readonly post: (request: Request) => Promise<Response>;
  private readonly nextCronSlots = new Map<string, Date | null>();
  private readonly createdAt: Date;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;

  constructor(options: JobRunnerOptions) {
    this.handle = options.handle;
    this.logger = (options.logger ?? defaultLogger).child({ component: "job-runner" });
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 10_000;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 60 * 60_000;
    this.maxCallsPerClaim = options.maxCallsPerClaim ?? 200;
    this.cronCatchUpMs = options.cronCatchUpMs ?? 60_000;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60_000;
    this.id = options.runnerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.createdAt = this.clock();
    if (!options.client || !options.functions) {
      throw new Error("JobRunner needs a client and functions (startJobRunner/createJobRunner supply the app's)");
    }
    const client = options.client;
    this.registry = buildRegistry(client.id, options.functions, this.logger);
    // The same handler `/api/inngest` serves, called in-process instead of over HTTP.
    const handler = serve({ client, functions: options.functions, servePath: "/api/inngest" });
    this.post = (request) => handler.POST(request as unknown as NextRequest, undefined);
  }

  /** Starts the polling loop (idempotent). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.runLoop();
    this.logger.info({ runnerId: this.id, functions: this.registry.size }, "in-process job runner started");
  }

  /** Stops polling and waits for the runs in progress to reach their next park point. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  get isRunning(): boolean {
    return this.loop !== null && !this.stopping;
  }

  /**
   * Accepts events (plain `{ name, data, id? }` or built with `eventType().create()`, which are
   * validated) and enqueues the runs they trigger. With `db` set to a transaction, the events
   * and runs commit or roll back with it. Returns the event ids.
   */
  async send(events: readonly unknown[], options: { db?: Queryable } = {}): Promise<{ ids: string[] }> {
    const normalized = await normalizeEvents(events);
    const { ids } = await enqueueEvents(options.db ?? this.handle.db, this.registry, normalized, this.clock());
    this.wake?.();
    return { ids };
  }

  /**
   * Processes everything due now (fires due cron slots first), one run at a time, until idle.
   * With `until` and a settable clock (`fixedClock`), also moves the clock forward to each next
   * wake-up (sleep end, retry, lease expiry, cron slot) up to `until`, so tests never wait.
   */
  async drain(options: { until?: Date } = {}): Promise<DrainResult> {
    const result: DrainResult = { claims: 0, cronFires: 0 };
    const clock = options.until ? settable(this.clock) : null;
    if (options.until && !clock) throw new Error("drain({ until }) needs a settable clock (fixedClock)");
    for (let guard = 0; guard < 10_000; guard++) {
      result.cronFires += await this.fireDueCrons();
      while (await this.claimAndProcessOne()) result.claims++;
      if (!options.until || !clock) return result;
      const now = this.clock();
      const next = await this.nextWakeUp();
      if (next && next.getTime() > now.getTime() && next.getTime() <= options.until.getTime()) {
        clock.set(next);
        continue;
      }
      if (now.getTime() >= options.until.getTime()) return result;
      clock.set(options.until);
    }
    throw new Error("drain() did not settle after 10000 rounds");
  }

  // ---------------------------------------------------------------------------------------------
  // Loop

  private async runLoop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.fireDueCrons();
        await this.pruneHourly();
        await Promise.all(
          Array.from({ length: this.concurrency }, async () => {
            while (!this.stopping && (await this.claimAndProcessOne()));
          }),
        );
      } catch (error) {
        this.logger.error({ err: error }, "job runner tick failed");
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollIntervalMs);
        timer.unref?.();
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Keeps the job tables bounded; once an hour at most, whichever process gets there. */
  private async pruneHourly(): Promise<void> {
    const now = this.clock().getTime();
    if (now - this.lastPruneAt < 60 * 60_000) return;
    this.lastPruneAt = now;
    const pruned = await pruneJobHistory(this.handle.db, new Date(now - this.retentionMs));
    if (pruned.runs + pruned.events + pruned.cronFires > 0) this.logger.info(pruned, "pruned job history");
  }

  /** Earliest moment something becomes due: a parked run, an expired lease or a cron slot. */
  private async nextWakeUp(): Promise<Date | null> {
    const [row] = await this.handle.db
      .select({
        at: sql<Date | null>`min(greatest(${jobRuns.wakeAt}, coalesce(${jobRuns.lockedUntil}, ${jobRuns.wakeAt})))`.mapWith(
          jobRuns.wakeAt,
        ),
      })
      .from(jobRuns)
      .where(and(isNotNull(jobRuns.wakeAt), inArray(jobRuns.status, [...ACTIVE_STATUSES])));
    const candidates: number[] = [];
    if (row?.at) candidates.push(row.at.getTime());
    for (const slot of this.nextCronSlots.values()) if (slot) candidates.push(slot.getTime());
    return candidates.length ? new Date(Math.min(...candidates)) : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Cron

  /**
   * Starts one run per due cron slot. Each slot is claimed with an insert into `job_cron_fires`
   * whose unique (function, slot) index lets exactly one process win; the run is created in the
   * same transaction, so a slot never fires twice and never fires without its run.
   */
  private async fireDueCrons(): Promise<number> {
    let fired = 0;
    const now = this.clock();
    for (const fn of this.registry.values()) {
      for (const schedule of fn.crons) {
        const key = `${fn.fnId}\u0000${schedule.expression}`;
        if (!this.nextCronSlots.has(key)) {
          const from = new Date(Math.min(this.createdAt.getTime(), now.getTime()) - this.cronCatchUpMs - 1);
          this.nextCronSlots.set(key, schedule.cron.nextRun(from));
        }
        let slot = this.nextCronSlots.get(key) ?? null;
        while (slot && slot.getTime() <= now.getTime()) {
          if (await this.fireCronSlot(fn, schedule.expression, slot)) fired++;
          slot = schedule.cron.nextRun(slot);
        }
        this.nextCronSlots.set(key, slot);
      }
    }
    return fired;
  }

  private async fireCronSlot(fn: RegisteredFunction, expression: string, slot: Date): Promise<boolean> {
    const now = this.clock();
    return this.handle.db.transaction(async (tx) => {
      const [fire] = await tx
        .insert(jobCronFires)
        .values({ functionId: fn.fnId, slot, firedBy: this.id, createdAt: now })
        .onConflictDoNothing({ target: [jobCronFires.functionId, jobCronFires.slot] })
        .returning({ id: jobCronFires.id });
      if (!fire) return false;
      const event: StoredEvent = {
        id: randomUUID(),
        name: CRON_EVENT_NAME,
        data: { cron: expression },
        ts: slot.getTime(),
      };
      const runId = await insertRun(tx, {
        fn,
        event,
        eventId: null,
        now,
        idempotencyKey: `cron:${slot.toISOString()}`,
      });
      await tx.update(jobCronFires).set({ runId }).where(eq(jobCronFires.id, fire.id));
      this.logger.info({ fnId: fn.fnId, slot: slot.toISOString(), runId }, "cron slot fired");
      return true;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Claiming and leases

  /**
   * Takes the most overdue run that nobody holds (never leased, or whose lease expired because
   * its runner died) and processes it. `FOR UPDATE SKIP LOCKED` keeps two processes from
   * claiming the same run. Returns false when nothing was due.
   */
  private async claimAndProcessOne(): Promise<boolean> {
    const now = this.clock();
    const claimed = await this.handle.db.transaction(async (tx) => {
      const [candidate] = await tx
        .select({ id: jobRuns.id, lockedBy: jobRuns.lockedBy, status: jobRuns.status })
        .from(jobRuns)
        .where(
          and(
            isNotNull(jobRuns.wakeAt),
            lte(jobRuns.wakeAt, now),
            inArray(jobRuns.status, [...ACTIVE_STATUSES]),
            or(isNull(jobRuns.lockedUntil), lt(jobRuns.lockedUntil, now)),
          ),
        )
        .orderBy(asc(jobRuns.wakeAt))
        .limit(1)
        .for("update", { skipLocked: true });
      if (!candidate) return null;
      const [run] = await tx
        .update(jobRuns)
        .set({
          status: "running",
          lockedBy: this.id,
          lockedUntil: new Date(now.getTime() + this.leaseMs),
          startedAt: sql`coalesce(${jobRuns.startedAt}, ${now.toISOString()}::timestamptz)`,
          updatedAt: now,
        })
        .where(eq(jobRuns.id, candidate.id))
        .returning();
      return run ? { run, previous: candidate } : null;
    });
    if (!claimed) return false;
    if (claimed.previous.status === "running" && claimed.previous.lockedBy) {
      this.logger.warn(
        { runId: claimed.run.id, deadRunner: claimed.previous.lockedBy },
        "recovered a run whose lease expired",
      );
    }
    const heartbeat = setInterval(
      () => {
        void this.extendLease(claimed.run.id).catch((error: unknown) =>
          this.logger.warn({ err: error }, "lease heartbeat failed"),
        );
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    heartbeat.unref?.();
    try {
      await this.processRun(claimed.run);
    } catch (error) {
      if (error instanceof LostRunError) {
        this.logger.warn({ runId: claimed.run.id }, "run was cancelled or taken over; dropping this runner's progress");
      } else {
        this.logger.error({ err: error, runId: claimed.run.id }, "job runner failed while processing a run");
        const run = claimed.run;
        const settle =
          run.attempt + 1 >= run.maxAttempts
            ? this.failRun(run, serializeError(error))
            : this.releaseForRetry(run, serializeError(error), null);
        // A lost lease here means someone else owns the run now; nothing left to do.
        await settle.catch(() => {});
      }
    } finally {
      clearInterval(heartbeat);
    }
    return true;
  }

  private async extendLease(runId: string): Promise<void> {
    const now = this.clock();
    await this.handle.db
      .update(jobRuns)
      .set({ lockedUntil: new Date(now.getTime() + this.leaseMs) })
      .where(and(eq(jobRuns.id, runId), eq(jobRuns.lockedBy, this.id), eq(jobRuns.status, "running")));
  }

  /** An update that only applies while this runner still holds the run. */
  private async fencedUpdate(
    db: Queryable,
    runId: string,
    values: Partial<typeof jobRuns.$inferInsert>,
  ): Promise<void> {
    const [row] = await db
      .update(jobRuns)
      .set({ ...values, updatedAt: this.clock() })
      .where(and(eq(jobRuns.id, runId), eq(jobRuns.lockedBy, this.id), eq(jobRuns.status, "running")))
      .returning({ id: jobRuns.id });
    if (!row) throw new LostRunError();
  }

  // ---------------------------------------------------------------------------------------------
  // Executing a run

  private async processRun(run: RunRow): Promise<void> {
    const fn = this.registry.get(run.functionId);
    if (!fn) {
      await this.failRun(run, { name: "Error", message: `Function "${run.functionId}" is not served by this app` });
      return;
    }
    let attempt = run.attempt;

    // A run still holding its pending op is only claimable once `wake_at` passed: the sleep ended
    // or the wait timed out (an event that satisfies a wait clears the op when it resumes the run).
    if (run.pendingOp) {
      await this.recordStep(
        run.id,
        run.pendingOp.stepId,
        run.pendingOp.kind === "sleep" ? "Sleep" : "WaitForEvent",
        run.pendingOp.displayName,
        {
          type: "data",
          data: null,
        },
      );
      await this.fencedUpdate(this.handle.db, run.id, { pendingOp: null });
    }

    const planned: string[] = [];
    for (let call = 0; call < this.maxCallsPerClaim; call++) {
      const requestedStep = planned.shift();
      const callStartedAt = this.clock();
      const steps = await this.handle.db
        .select({ stepId: jobSteps.stepId, result: jobSteps.result, position: jobSteps.position })
        .from(jobSteps)
        .where(eq(jobSteps.runId, run.id))
        .orderBy(asc(jobSteps.position), asc(jobSteps.createdAt));
      const response = await this.callHandler(run, fn, steps, attempt, requestedStep);

      if (response.status === 200) {
        await this.completeRun(run, response.body);
        return;
      }
      if (response.status !== 206) {
        const noRetry = response.headers.get("x-inngest-no-retry") === "true";
        const error = (
          response.body && typeof response.body === "object" ? response.body : { message: String(response.body) }
        ) as Record<string, unknown>;
        if (noRetry || attempt + 1 >= run.maxAttempts) await this.failRun(run, error);
        else await this.releaseForRetry({ ...run, attempt }, error, response.headers.get("retry-after"));
        return;
      }

      const ops = (Array.isArray(response.body) ? response.body : [response.body]) as OutgoingOp[];
      let position = steps.length;
      let parked: OutgoingOp | null = null;
      for (const op of ops) {
        switch (op.op) {
          case "StepRun":
          case "Step":
            await this.recordStep(
              run.id,
              op.id,
              op.op,
              op.displayName ?? op.name,
              { type: "data", data: op.data ?? null },
              position++,
            );
            attempt = 0;
            break;
          case "StepFailed":
            await this.recordStep(
              run.id,
              op.id,
              op.op,
              op.displayName ?? op.name,
              { type: "error", error: op.error ?? {} },
              position++,
            );
            attempt = 0;
            break;
          case "StepError":
            if (attempt + 1 >= run.maxAttempts) {
              await this.recordStep(
                run.id,
                op.id,
                "StepFailed",
                op.displayName ?? op.name,
                { type: "error", error: op.error ?? {} },
                position++,
              );
              attempt = 0;
            } else {
              await this.releaseForRetry({ ...run, attempt }, op.error ?? {}, response.headers.get("retry-after"));
              return;
            }
            break;
          case "StepPlanned":
            planned.push(op.id);
            break;
          case "RunComplete":
            await this.completeRun(run, op.data ?? null);
            return;
          case "Sleep":
          case "WaitForEvent":
            parked ??= op;
            break;
          default: {
            const feature = UNSUPPORTED_OPS[op.op] ?? `the "${op.op}" op`;
            await this.failRun(run, {
              name: "UnsupportedByInProcessRunner",
              message: `${feature} is not supported by the in-process job runner; configure an Inngest server (docs/jobs.md)`,
            });
            return;
          }
        }
      }
      await this.fencedUpdate(this.handle.db, run.id, {
        attempt,
        lockedUntil: new Date(this.clock().getTime() + this.leaseMs),
      });
      if (planned.length > 0) continue;
      if (parked) {
        const parkedFor = await this.park(run, parked, callStartedAt);
        if (parkedFor === "continue") continue;
        return;
      }
    }
    // Long runs give the queue back so other runs get a turn; this one is due again at once.
    await this.fencedUpdate(this.handle.db, run.id, {
      status: "queued",
      wakeAt: this.clock(),
      lockedBy: null,
      lockedUntil: null,
    });
  }

  private async callHandler(
    run: RunRow,
    fn: RegisteredFunction,
    steps: StepRow[],
    attempt: number,
    requestedStep: string | undefined,
  ): Promise<{ status: number; headers: Headers; body: unknown }> {
    const url = new URL("http://in-process.invalid/api/inngest");
    url.searchParams.set("fnId", fn.fnId);
    url.searchParams.set("stepId", requestedStep ?? "step");
    const stack = steps.map((s) => s.stepId);
    const body = {
      event: run.event,
      events: [run.event],
      steps: Object.fromEntries(steps.map((s) => [s.stepId, s.result])),
      ctx: {
        run_id: run.id,
        attempt,
        max_attempts: run.maxAttempts,
        disable_immediate_execution: false,
        use_api: false,
        stack: { stack, current: Math.max(0, stack.length - 1) },
      },
    };
    const request = new Request(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": run.id },
      body: JSON.stringify(body),
    });
    const response = await runWithJobContext(
      { context: { db: this.handle.db, now: this.clock }, sink: (events) => this.send(events) },
      () => this.post(request),
    );
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      parsed = { message: text };
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  /** Parks the run on a sleep or a wait; "continue" when a wait is already satisfied. */
  private async park(run: RunRow, op: OutgoingOp, callStartedAt: Date): Promise<"parked" | "continue"> {
    const now = this.clock();
    const displayName = op.displayName ?? op.userland?.id;
    if (op.op === "Sleep") {
      const wakeAt = resolveWakeTime(op.name ?? "", now);
      const pendingOp: PendingOp = { kind: "sleep", stepId: op.id, displayName };
      await this.fencedUpdate(this.handle.db, run.id, {
        status: "sleeping",
        wakeAt,
        pendingOp,
        lockedBy: null,
        lockedUntil: null,
      });
      return "parked";
    }
    const eventName = op.name ?? "";
    const condition = typeof op.opts?.if === "string" ? op.opts.if : undefined;
    let compiled;
    try {
      compiled = condition ? compileExpression(condition) : undefined;
    } catch (error) {
      await this.failRun(run, { name: "UnsupportedByInProcessRunner", message: (error as Error).message });
      return "parked";
    }
    // An event that arrived while this call ran already satisfies the wait.
    const recent = await this.handle.db
      .select({ payload: jobEvents.payload })
      .from(jobEvents)
      .where(and(eq(jobEvents.name, eventName), gt(jobEvents.receivedAt, new Date(callStartedAt.getTime() - 1))))
      .orderBy(asc(jobEvents.receivedAt));
    const match = recent.find((e) => !compiled || matches(compiled, { event: run.event, async: e.payload }));
    if (match) {
      await this.recordStep(run.id, op.id, "WaitForEvent", displayName, { type: "data", data: match.payload });
      return "continue";
    }
    const timeout = typeof op.opts?.timeout === "string" ? op.opts.timeout : "";
    const wakeAt = resolveWakeTime(timeout, now);
    const pendingOp: PendingOp = {
      kind: "wait_for_event",
      stepId: op.id,
      displayName,
      event: eventName,
      ...(condition ? { if: condition } : {}),
    };
    await this.fencedUpdate(this.handle.db, run.id, {
      status: "waiting",
      wakeAt,
      pendingOp,
      lockedBy: null,
      lockedUntil: null,
    });
    return "parked";
  }

  /** Memoises one step result; the first result recorded for a step id wins. */
  private async recordStep(
    runId: string,
    stepId: string,
    op: string,
    name: string | undefined,
    result: StoredStepResult,
    position?: number,
  ): Promise<void> {
    const now = this.clock();
    await this.handle.db.transaction(async (tx) => {
      await this.fencedUpdate(tx, runId, { lockedUntil: new Date(now.getTime() + this.leaseMs) });
      let at = position;
      if (at === undefined) {
        const [row] = await tx
          .select({ count: sql<number>`count(*)::int` })
          .from(jobSteps)
          .where(eq(jobSteps.runId, runId));
        at = Number(row?.count ?? 0);
      }
      await tx
        .insert(jobSteps)
        .values({ runId, stepId, name: name ?? null, op, result, position: at, createdAt: now })
        .onConflictDoNothing({ target: [jobSteps.runId, jobSteps.stepId] });
    });
  }

  private async releaseForRetry(run: RunRow, error: Record<string, unknown>, retryAfter: string | null): Promise<void> {
    const now = this.clock();
    const delay = retryDelayMs({
      attempt: run.attempt,
      retryAfter,
      now,
      baseDelayMs: this.retryBaseDelayMs,
      maxDelayMs: this.retryMaxDelayMs,
    });
    await this.fencedUpdate(this.handle.db, run.id, {
      status: "queued",
      attempt: run.attempt + 1,
      wakeAt: new Date(now.getTime() + delay),
      error,
      lockedBy: null,
      lockedUntil: null,
    });
    this.logger.info(
      { runId: run.id, fnId: run.functionId, attempt: run.attempt + 1, delayMs: delay },
      "run will be retried",
    );
  }

  private async completeRun(run: RunRow, output: unknown): Promise<void> {
    const now = this.clock();
    await this.fencedUpdate(this.handle.db, run.id, {
      status: "completed",
      output: output ?? null,
      error: null,
      wakeAt: null,
      pendingOp: null,
      lockedBy: null,
      lockedUntil: null,
      endedAt: now,
    });
    this.logger.info({ runId: run.id, fnId: run.functionId }, "run completed");
  }

  /** Ends the run for good and, when the function has `onFailure`, starts that handler's run. */
  private async failRun(run: RunRow, error: Record<string, unknown>): Promise<void> {
    const now = this.clock();
    const fn = this.registry.get(run.functionId);
    const failureFn = fn?.failureFnId ? this.registry.get(fn.failureFnId) : undefined;
    await this.handle.db.transaction(async (tx) => {
      await this.fencedUpdate(tx, run.id, {
        status: "failed",
        error,
        wakeAt: null,
        pendingOp: null,
        lockedBy: null,
        lockedUntil: null,
        endedAt: now,
      });
      if (failureFn) {
        const event: StoredEvent = {
          id: randomUUID(),
          name: FAILURE_EVENT_NAME,
          data: { function_id: run.functionId, run_id: run.id, error, event: run.event },
          ts: now.getTime(),
        };
        await insertRun(tx, { fn: failureFn, event, eventId: null, now, idempotencyKey: `failure:${run.id}` });
      }
    });
    this.logger.warn({ runId: run.id, fnId: run.functionId, errorName: error.name }, "run failed");
  }
}
