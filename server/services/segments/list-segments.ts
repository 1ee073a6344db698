import { and, asc, eq, isNull } from "drizzle-orm";
import { segmentCounts, segments } from "@/db/schema";
import type { ServiceContext } from "../context";
import { toSegment } from "./rows";
import { ZListSegmentsInput, type TListSegmentsInput, type TSegment } from "./schemas";

/**
 * The workspace's segments by name, each with its cached count when one exists for its current
 * filter version (fresh or not: `computedAt` says how old; `countSegment` refreshes it).
 * Archived ones on request. Not audited.
 */
export async function listSegments({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input?: TListSegmentsInput;
}): Promise<TSegment[]> {
  const { includeArchived = false } = ZListSegmentsInput.parse(input) ?? {};
  const rows = await ctx.db
    .select({ segment: segments, count: segmentCounts })
    .from(segments)
    .leftJoin(segmentCounts, eq(segmentCounts.segmentId, segments.id))
    .where(and(eq(segments.workspaceId, ctx.workspaceId), includeArchived ? undefined : isNull(segments.archivedAt)))
    .orderBy(asc(segments.name), asc(segments.id));
  return rows.map((r) => toSegment(r.segment, r.count, ctx.actor));
}
