import type { ServiceContext } from "../context";
import { awaitCachedCount, COUNT_ABANDONED_MS, COUNT_FRESH_MS, runningCount, startCount, within } from "./count-runner";
import { compileForWorkspace, findSegment, readSegmentCount, toSegmentCount } from "./rows";
import { ZCountSegmentInput, type TCountSegmentInput, type TSegmentCount } from "./schemas";

/** How long a caller waits for a count before being answered `pending`, unless it says otherwise. */
export const DEFAULT_COUNT_WAIT_SECONDS = 10;

/**
 * How many contacts a segment holds. A count of the current filter version younger than
 * 10 minutes is answered from the cache (a failed or timed-out one too, so a slow filter is not
 * re-run on every call; `refresh: true` counts again). Otherwise a count starts in the background,
 * in its own transaction with a 30-second statement timeout, and the answer waits up to `wait`
 * seconds for it: its result, or `{status: "pending"}` (ask again: the same count is then awaited,
 * never started twice). Not audited: a count changes no data.
 */
export async function countSegment({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCountSegmentInput;
}): Promise<TSegmentCount> {
  const { id, refresh = false, wait = DEFAULT_COUNT_WAIT_SECONDS } = ZCountSegmentInput.parse(input);
  const waitMs = wait * 1000;
  const segment = await findSegment(ctx.db, ctx.workspaceId, id);
  const now = ctx.now().getTime();
  const pending: TSegmentCount = { count: null, status: "pending", computedAt: null, version: segment.version };

  const inFlight = runningCount(segment.id, segment.version);
  if (inFlight) return (await within(inFlight, waitMs)) ?? pending;

  const cached = await readSegmentCount(ctx.db, segment.id);
  if (cached && cached.version === segment.version) {
    const fresh = cached.computedAt !== null && now - cached.computedAt.getTime() < COUNT_FRESH_MS;
    if (cached.status !== "pending" && fresh && !refresh) return toSegmentCount(cached);
    if (cached.status === "pending" && now - cached.startedAt.getTime() < COUNT_ABANDONED_MS) {
      // Another process is counting this version: wait for its result rather than count twice.
      return (await awaitCachedCount(ctx.db, segment.id, segment.version, waitMs)) ?? pending;
    }
  }

  const where = await compileForWorkspace(ctx.db, ctx.workspaceId, ctx.now(), segment.filter, {
    self: { id: segment.id, name: segment.name },
  });
  const started = startCount(ctx.db, segment, where, ctx.now);
  // Inside a caller's transaction nothing may outlive it: the count is awaited in full.
  if ("rollback" in ctx.db) return started;
  return (await within(started, waitMs)) ?? pending;
}
