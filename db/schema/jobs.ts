import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";

/**
 * Tables of the in-process Inngest runner (see docs/jobs.md). They are system tables: nothing in
 * here is workspace data, and none of them is used when an Inngest server drives the functions.
 * Times are the runner's clock (tests inject a fake one), never the database's `now()`.
 */

/** A stored copy of an event as the functions receive it (`{ id, name, data, ts, v? }`). */
export type StoredEvent = {
  id: string;
  name: string;
  data: Record<string, unknown>;
  ts: number;
  v?: string;
  user?: Record<string, unknown>;
};

/** Memoised result of one step, in the shape the SDK's serve protocol expects in `steps`. */
export type StoredStepResult =
  | { type: "data"; data: unknown }
  | { type: "error"; error: { name?: string; message?: string; stack?: string; [key: string]: unknown } };

/** What a parked run is waiting for before its next call. */
export type PendingOp =
  | { kind: "sleep"; stepId: string; displayName?: string }
  | {
      kind: "wait_for_event";
      stepId: string;
      displayName?: string;
      event: string;
      /** CEL-like condition over `event` (the run's trigger) and `async` (the candidate event). */
      if?: string;
    };

export const JOB_RUN_STATUSES = [
  "queued",
  "running",
  "sleeping",
  "waiting",
  "completed",
  "failed",
  "cancelled",
] as const;
export type JobRunStatus = (typeof JOB_RUN_STATUSES)[number];

/**
 * Every event sent while the in-process runner is in charge. `external_id` is the sender's
 * optional event `id`: the partial unique index makes a resent event with the same id a no-op
 * (no second set of runs), which is Inngest's event-level idempotency.
 */
export const jobEvents = pgTable(
  "job_events",
  {
    id: id(),
    externalId: text("external_id"),
    name: text("name").notNull(),
    payload: jsonb("payload").$type<StoredEvent>().notNull(),
    receivedAt: timestampTz("received_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("job_events_external_id_key")
      .on(t.externalId)
      .where(sql`${t.externalId} is not null`),
    index("job_events_name_received_idx").on(t.name, t.receivedAt),
  ],
);

/**
 * One execution of one function. A run is due when `wake_at <= now` and it is not leased
 * (`locked_until` null or past); the runner that claims it writes `locked_by`/`locked_until`
 * and every later write is fenced on `locked_by`, so a runner that lost its lease (it was
 * presumed dead and the run was recovered) cannot overwrite the new owner's progress.
 */
export const jobRuns = pgTable(
  "job_runs",
  {
    id: id(),
    functionId: text("function_id").notNull(),
    eventId: uuid("event_id").references(() => jobEvents.id, { onDelete: "set null" }),
    event: jsonb("event").$type<StoredEvent>().notNull(),
    /** Copied from `event.data.workspaceId` when it is a UUID; for filtering only. */
    workspaceId: uuid("workspace_id"),
    status: text("status").$type<JobRunStatus>().notNull(),
    /** Zero-based attempt of the step (or run) being retried; reset when a step succeeds. */
    attempt: integer("attempt").notNull().default(0),
    /** The function's `retries` + 1. */
    maxAttempts: integer("max_attempts").notNull(),
    /** When the run is next due; null once it has ended. */
    wakeAt: timestampTz("wake_at"),
    lockedBy: text("locked_by"),
    lockedUntil: timestampTz("locked_until"),
    pendingOp: jsonb("pending_op").$type<PendingOp>(),
    /**
     * Deduplication key: a cron slot, or the function's `idempotency` expression evaluated on the
     * event. The unique index guarantees at most one run per function and key, whichever process
     * (or how many of them) tried to create it.
     */
    idempotencyKey: text("idempotency_key"),
    output: jsonb("output"),
    error: jsonb("error").$type<Record<string, unknown>>(),
    startedAt: timestampTz("started_at"),
    endedAt: timestampTz("ended_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("job_runs_due_idx")
      .on(t.wakeAt)
      .where(sql`${t.wakeAt} is not null`),
    index("job_runs_waiting_idx")
      .on(t.status)
      .where(sql`${t.status} = 'waiting'`),
    index("job_runs_function_created_idx").on(t.functionId, t.createdAt),
    uniqueIndex("job_runs_idempotency_key")
      .on(t.functionId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
  ],
);

/**
 * Memoised step results. The unique (run, step) pair means a step's result is recorded once:
 * a second writer (a recovered run racing its presumed-dead owner) inserts nothing, and every
 * later call of the handler sees the first result.
 */
export const jobSteps = pgTable(
  "job_steps",
  {
    id: id(),
    runId: uuid("run_id")
      .notNull()
      .references(() => jobRuns.id, { onDelete: "cascade" }),
    /** The SDK's hashed step id (the key of `steps` in the serve protocol). */
    stepId: text("step_id").notNull(),
    /** The userland step id / name, for humans. */
    name: text("name"),
    op: text("op").notNull(),
    result: jsonb("result").$type<StoredStepResult>().notNull(),
    /** Completion order within the run (`ctx.stack.stack`). */
    position: integer("position").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("job_steps_run_step_key").on(t.runId, t.stepId)],
);

/**
 * One row per cron slot that fired. The unique (function, slot) pair is what keeps two
 * processes with a scheduler each from starting the same scheduled run twice.
 */
export const jobCronFires = pgTable(
  "job_cron_fires",
  {
    id: id(),
    functionId: text("function_id").notNull(),
    slot: timestampTz("slot").notNull(),
    runId: uuid("run_id").references(() => jobRuns.id, { onDelete: "set null" }),
    firedBy: text("fired_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("job_cron_fires_function_slot_key").on(t.functionId, t.slot)],
);
