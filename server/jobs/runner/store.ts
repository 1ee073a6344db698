import { randomUUID } from "node:crypto";
import { and, eq, inArray, isNotNull, lt, notInArray, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { jobCronFires, jobEvents, jobRuns, jobSteps, type StoredEvent, type StoredStepResult } from "@/db/schema";
import { compileExpression, matches } from "./expressions";
import { eventNameMatches, type RegisteredFunction } from "./registry";

/**
 * Database writes shared by the runner and `sendEvent`: event intake (runs, cancellations,
 * resumed waits) and run creation. Every function here takes a `Queryable`, so a caller may
 * enqueue inside its own transaction and the runs exist only if that transaction commits.
 */

/** An event as a sender gives it; `id` is the optional idempotency id. */
export interface IncomingEvent {
  name: string;
  data?: Record<string, unknown>;
  id?: string;
  ts?: number;
  v?: string;
  user?: Record<string, unknown>;
}

export const ACTIVE_STATUSES = ["queued", "running", "sleeping", "waiting"] as const;
const TERMINAL_STATUSES = ["completed", "failed", "cancelled"] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks the shape of sent events and runs `validate()` on events built with
 * `eventType(...).create(...)` (zod-validated data). Throws on the first invalid event.
 */
export async function normalizeEvents(raw: readonly unknown[]): Promise<IncomingEvent[]> {
  const events: IncomingEvent[] = [];
  for (const candidate of raw) {
    const value = candidate;
    if (value && typeof value === "object" && "validate" in value && typeof value.validate === "function") {
      // Throws with the zod issues when `data` does not match the event's schema.
      await (value.validate as () => Promise<unknown>)();
    }
    if (!value || typeof value !== "object") throw new Error("An event must be an object with a name");
    const event = value as Record<string, unknown>;
    if (typeof event.name !== "string" || event.name.length === 0) throw new Error("An event must have a name");
    if (
      event.data !== undefined &&
      (event.data === null || typeof event.data !== "object" || Array.isArray(event.data))
    ) {
      throw new Error(`Event "${event.name}" has non-object data`);
    }
    events.push({
      name: event.name,
      data: (event.data as Record<string, unknown> | undefined) ?? {},
      id: typeof event.id === "string" && event.id !== "" ? event.id : undefined,
      ts: typeof event.ts === "number" ? event.ts : undefined,
      v: typeof event.v === "string" ? event.v : undefined,
      user: event.user && typeof event.user === "object" ? (event.user as Record<string, unknown>) : undefined,
    });
  }
  return events;
}

function workspaceIdOf(event: StoredEvent): string | null {
  const candidate = event.data.workspaceId;
  return typeof candidate === "string" && UUID.test(candidate) ? candidate : null;
}

/**
 * Creates a queued run due at `now`. With an idempotency key, a second run for the same
 * function and key is not created (the unique index decides) and null is returned.
 */
export async function insertRun(
  db: Queryable,
  input: {
    fn: RegisteredFunction;
    event: StoredEvent;
    eventId: string | null;
    now: Date;
    idempotencyKey?: string | null;
  },
): Promise<string | null> {
  const [row] = await db
    .insert(jobRuns)
    .values({
      functionId: input.fn.fnId,
      eventId: input.eventId,
      event: input.event,
      workspaceId: workspaceIdOf(input.event),
      status: "queued",
      attempt: 0,
      maxAttempts: input.fn.maxAttempts,
      wakeAt: input.now,
      idempotencyKey: input.idempotencyKey ?? null,
      createdAt: input.now,
      updatedAt: input.now,
    })
    .onConflictDoNothing({
      target: [jobRuns.functionId, jobRuns.idempotencyKey],
      where: sql`${jobRuns.idempotencyKey} is not null`,
    })
    .returning({ id: jobRuns.id });
  return row?.id ?? null;
}

/**
 * Fulfils a parked run's pending step and makes it due now. Conditional on the run still being
 * in `fromStatus`, so a run resumed by an event cannot also time out (or the reverse): whichever
 * write lands first wins and the other changes nothing. Returns whether this call resumed it.
 */
export async function resumeParkedRun(
  db: Queryable,
  input: {
    runId: string;
    fromStatus: "waiting" | "sleeping";
    stepId: string;
    op: string;
    name?: string;
    result: StoredStepResult;
    now: Date;
  },
): Promise<boolean> {
  const [resumed] = await db
    .update(jobRuns)
    .set({ status: "queued", wakeAt: input.now, pendingOp: null, attempt: 0, updatedAt: input.now })
    .where(and(eq(jobRuns.id, input.runId), eq(jobRuns.status, input.fromStatus)))
    .returning({ id: jobRuns.id });
  if (!resumed) return false;
  const [{ count } = { count: 0 }] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(jobSteps)
    .where(eq(jobSteps.runId, input.runId));
  await db
    .insert(jobSteps)
    .values({
      runId: input.runId,
      stepId: input.stepId,
      name: input.name ?? null,
      op: input.op,
      result: input.result,
      position: Number(count),
      createdAt: input.now,
    })
    .onConflictDoNothing({ target: [jobSteps.runId, jobSteps.stepId] });
  return true;
}

/**
 * Records events and everything they cause: a run per matching trigger (deduplicated by the
 * function's `idempotency` key), cancellation of runs whose `cancelOn` matches, and resumption
 * of runs waiting for this event. An event whose sender id was seen before is a no-op (its
 * first stored id is returned). Not transactional by itself: pass a transaction to make it so.
 */
export async function enqueueEvents(
  db: Queryable,
  registry: ReadonlyMap<string, RegisteredFunction>,
  events: readonly IncomingEvent[],
  now: Date,
): Promise<{ ids: string[]; runIds: string[] }> {
  const ids: string[] = [];
  const runIds: string[] = [];
  for (const incoming of events) {
    const rowId = randomUUID();
    const stored: StoredEvent = {
      id: incoming.id ?? rowId,
      name: incoming.name,
      data: incoming.data ?? {},
      ts: incoming.ts ?? now.getTime(),
      ...(incoming.v ? { v: incoming.v } : {}),
      ...(incoming.user ? { user: incoming.user } : {}),
    };
    const [inserted] = await db
      .insert(jobEvents)
      .values({
        id: rowId,
        externalId: incoming.id ?? null,
        name: incoming.name,
        payload: stored,
        receivedAt: now,
        createdAt: now,
      })
      .onConflictDoNothing({ target: jobEvents.externalId, where: sql`${jobEvents.externalId} is not null` })
      .returning({ id: jobEvents.id });
    if (!inserted) {
      // Same sender id as an earlier event: Inngest-style event idempotency, nothing new happens.
      ids.push(stored.id);
      continue;
    }
    ids.push(stored.id);

    for (const fn of registry.values()) {
      const trigger = fn.eventTriggers.find(
        (t) => eventNameMatches(t.name, stored.name) && (!t.condition || matches(t.condition, { event: stored })),
      );
      if (!trigger) continue;
      const key = fn.idempotency ? fn.idempotency({ event: stored }) : undefined;
      const runId = await insertRun(db, {
        fn,
        event: stored,
        eventId: rowId,
        now,
        idempotencyKey: key === undefined || key === null ? null : `event:${String(key)}`,
      });
      if (runId) runIds.push(runId);
    }

    await cancelMatchingRuns(db, registry, stored, now);
    await resumeWaitingRuns(db, stored, now);
  }
  return { ids, runIds };
}

async function cancelMatchingRuns(
  db: Queryable,
  registry: ReadonlyMap<string, RegisteredFunction>,
  event: StoredEvent,
  now: Date,
): Promise<void> {
  for (const fn of registry.values()) {
    const cancels = fn.cancelOn.filter((c) => eventNameMatches(c.event, event.name));
    if (cancels.length === 0) continue;
    const candidates = await db
      .select({ id: jobRuns.id, event: jobRuns.event })
      .from(jobRuns)
      .where(and(eq(jobRuns.functionId, fn.fnId), notInArray(jobRuns.status, [...TERMINAL_STATUSES])));
    const doomed = candidates
      .filter((run) => cancels.some((c) => !c.condition || matches(c.condition, { event: run.event, async: event })))
      .map((run) => run.id);
    if (doomed.length === 0) continue;
    // A runner mid-call on one of these loses its fenced writes and stops.
    await db
      .update(jobRuns)
      .set({
        status: "cancelled",
        wakeAt: null,
        lockedBy: null,
        lockedUntil: null,
        pendingOp: null,
        endedAt: now,
        updatedAt: now,
      })
      .where(and(inArray(jobRuns.id, doomed), notInArray(jobRuns.status, [...TERMINAL_STATUSES])));
  }
}

async function resumeWaitingRuns(db: Queryable, event: StoredEvent, now: Date): Promise<void> {
  const waiting = await db
    .select({ id: jobRuns.id, event: jobRuns.event, pendingOp: jobRuns.pendingOp })
    .from(jobRuns)
    .where(
      and(
        eq(jobRuns.status, "waiting"),
        isNotNull(jobRuns.pendingOp),
        sql`${jobRuns.pendingOp}->>'event' = ${event.name}`,
      ),
    );
  for (const run of waiting) {
    const op = run.pendingOp;
    if (op?.kind !== "wait_for_event") continue;
    // The runner compiled this condition before parking the run, so it cannot throw here.
    if (op.if && !matches(compileExpression(op.if), { event: run.event, async: event })) continue;
    await resumeParkedRun(db, {
      runId: run.id,
      fromStatus: "waiting",
      stepId: op.stepId,
      op: "WaitForEvent",
      name: op.displayName,
      result: { type: "data", data: event },
      now,
    });
  }
}

/**
 * Deletes history older than `before`: ended runs (their steps cascade), cron fires and events.
 * Event-id deduplication therefore holds for the retention window (Inngest keeps 24 hours).
 * Active runs keep their trigger event in `job_runs.event`, so deleting old events is safe.
 */
export async function pruneJobHistory(
  db: Queryable,
  before: Date,
): Promise<{ runs: number; events: number; cronFires: number }> {
  const runs = await db
    .delete(jobRuns)
    .where(and(inArray(jobRuns.status, [...TERMINAL_STATUSES]), lt(jobRuns.updatedAt, before)))
    .returning({ id: jobRuns.id });
  const cronFires = await db
    .delete(jobCronFires)
    .where(lt(jobCronFires.slot, before))
    .returning({ id: jobCronFires.id });
  const events = await db.delete(jobEvents).where(lt(jobEvents.receivedAt, before)).returning({ id: jobEvents.id });
  return { runs: runs.length, events: events.length, cronFires: cronFires.length };
}
