import type { ServiceContext } from "../context";
import { findSegment, readSegmentCount, toSegment } from "./rows";
import { ZGetSegmentInput, type TGetSegmentInput, type TSegment } from "./schemas";

/** A segment with its last count of the current version. Another workspace's id is NOT_FOUND. Not audited. */
export async function getSegment({ ctx, input }: { ctx: ServiceContext; input: TGetSegmentInput }): Promise<TSegment> {
  const { id } = ZGetSegmentInput.parse(input);
  const row = await findSegment(ctx.db, ctx.workspaceId, id);
  return toSegment(row, await readSegmentCount(ctx.db, row.id), ctx.actor);
}
