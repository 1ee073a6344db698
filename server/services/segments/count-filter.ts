import type { ServiceContext } from "../context";
import { countMatching, FILTER_COUNT_TIMEOUT_MS, isStatementTimeout } from "./count-runner";
import { compileForWorkspace, findSegment } from "./rows";
import { ZCountFilterInput, type TCountFilterInput, type TFilterCount } from "./schemas";

/**
 * How many contacts an unsaved filter matches (the builder's live count), counted now within
 * 10 seconds: `{status: "timed_out"}` past that. `segmentId` names the segment being edited, so a
 * filter that refers back to it is refused as a cycle. Nothing is stored or audited.
 */
export async function countFilter({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCountFilterInput;
}): Promise<TFilterCount> {
  const { filter, segmentId } = ZCountFilterInput.parse(input);
  const self = segmentId ? await findSegment(ctx.db, ctx.workspaceId, segmentId) : undefined;
  const where = await compileForWorkspace(ctx.db, ctx.workspaceId, ctx.now(), filter, {
    self: self ? { id: self.id, name: self.name } : undefined,
  });
  try {
    return { count: await countMatching(ctx.db, where, FILTER_COUNT_TIMEOUT_MS), status: "ready" };
  } catch (error) {
    if (isStatementTimeout(error)) return { count: null, status: "timed_out" };
    throw error;
  }
}
