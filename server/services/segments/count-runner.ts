import { and, count, eq, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { contacts, segmentCounts, type SegmentCountStatus } from "@/db/schema";
import type { Clock } from "@/server/lib/clock";
import { logger } from "@/server/lib/logger";
import { inTransaction } from "../context";
import { readSegmentCount, toSegmentCount } from "./rows";
import type { TSegmentCount } from "./schemas";

/** A count of the current filter version younger than this is answered from the cache. */
export const COUNT_FRESH_MS = 10 * 60 * 1000;
/** Longest a saved segment's count may run (`SET LOCAL statement_timeout`). */
export const COUNT_STATEMENT_TIMEOUT_MS = 30_000;
/** Longest the builder's count of an unsaved filter may run. */
export const FILTER_COUNT_TIMEOUT_MS = 10_000;
/** A `pending` row older than this was left by a process that stopped: count again. */
export const COUNT_ABANDONED_MS = COUNT_STATEMENT_TIMEOUT_MS + 60_000;

const POLL_MS = 200;

/**
 * Counts running in this process, by `segmentId:version`, so two callers asking at once share one
 * count. On `globalThis` because Next may load this module twice (one in-process cache per process).
 */
const globalForCounts = globalThis as unknown as { __optinSegmentCounts?: Map<string, Promise<TSegmentCount>> };
const running = (globalForCounts.__optinSegmentCounts ??= new Map());

/** Whether the database stopped the statement (statement_timeout: SQLSTATE 57014). */
export function isStatementTimeout(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === "57014") return true;
  }
  return false;
}

/**
 * Runs `work` in a transaction whose statements stop after `timeoutMs` (`SET LOCAL
 * statement_timeout`, through `set_config(…, true)`). Inside a caller's transaction the
 * caller's settings stand: the work runs as is.
 */
export async function withStatementTimeout<T>(
  db: Queryable,
  timeoutMs: number,
  work: (tx: Queryable) => Promise<T>,
): Promise<T> {
  if ("rollback" in db) return work(db);
  return inTransaction(db, async (tx) => {
    await tx.execute(sql`select set_config('statement_timeout', ${String(Math.round(timeoutMs))}, true)`);
    return work(tx);
  });
}

/** How many contacts satisfy `where` (a compiled segment condition), within the timeout. */
export async function countMatching(db: Queryable, where: SQL, timeoutMs: number): Promise<number> {
  return withStatementTimeout(db, timeoutMs, async (tx) => {
    const [row] = await tx.select({ total: count() }).from(contacts).where(where);
    return row?.total ?? 0;
  });
}

/** Resolves with the promise's value, or null once `ms` have passed. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  if (ms <= 0) return Promise.race([promise, Promise.resolve(null)]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The count already running in this process for this segment version, if any. */
export function runningCount(segmentId: string, version: number): Promise<TSegmentCount> | undefined {
  return running.get(`${segmentId}:${version}`);
}

/**
 * Waits (up to `ms`) for a count another process started: polls the cache row until it is no
 * longer pending for this version. Null when it still is.
 */
export async function awaitCachedCount(
  db: Queryable,
  segmentId: string,
  version: number,
  ms: number,
): Promise<TSegmentCount | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    const row = await readSegmentCount(db, segmentId);
    if (row && row.version === version && row.status !== "pending") return toSegmentCount(row);
    if (!row || row.version !== version || Date.now() + POLL_MS > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Starts counting a segment version in the background and returns the promise of its result,
 * which never rejects: the cache row goes `pending` first, then `ready` with the count,
 * `timed_out` after COUNT_STATEMENT_TIMEOUT_MS, or `failed` (the error is logged without SQL
 * parameters; the row keeps a generic reason). A count already running in this process for the
 * same version is shared. A result is written only if the row still belongs to this run, so a
 * later run is never overwritten by an earlier one finishing late.
 */
export function startCount(
  db: Queryable,
  segment: { id: string; workspaceId: string; version: number },
  where: SQL,
  now: Clock,
): Promise<TSegmentCount> {
  const key = `${segment.id}:${segment.version}`;
  const existing = running.get(key);
  if (existing) return existing;

  const run = async (): Promise<TSegmentCount> => {
    const startedAt = now();
    const pending = {
      workspaceId: segment.workspaceId,
      version: segment.version,
      count: null,
      status: "pending" as const,
      startedAt,
      computedAt: null,
      error: null,
    };
    let result: { count: number | null; status: SegmentCountStatus; error: string | null };
    try {
      await db
        .insert(segmentCounts)
        .values({ segmentId: segment.id, ...pending })
        .onConflictDoUpdate({ target: segmentCounts.segmentId, set: pending });
      const total = await countMatching(db, where, COUNT_STATEMENT_TIMEOUT_MS);
      result = { count: total, status: "ready", error: null };
    } catch (error) {
      const timedOut = isStatementTimeout(error);
      if (!timedOut) logger.error({ segmentId: segment.id, code: errorCode(error) }, "segment count failed");
      result = timedOut
        ? { count: null, status: "timed_out", error: "The count took longer than 30 seconds" }
        : { count: null, status: "failed", error: "The count failed" };
    }
    const computedAt = now();
    try {
      await db
        .update(segmentCounts)
        .set({ ...result, computedAt })
        .where(
          and(
            eq(segmentCounts.segmentId, segment.id),
            eq(segmentCounts.version, segment.version),
            eq(segmentCounts.startedAt, startedAt),
          ),
        );
    } catch (error) {
      logger.error({ segmentId: segment.id, code: errorCode(error) }, "segment count not stored");
    }
    return { count: result.count, status: result.status, computedAt, version: segment.version };
  };

  const promise = run().finally(() => running.delete(key));
  running.set(key, promise);
  return promise;
}

/** The SQLSTATE of a database error (never its message: it may quote parameters). */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}
