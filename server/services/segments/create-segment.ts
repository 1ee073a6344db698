import { segments } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { actorId, inTransaction, type ServiceContext } from "../context";
import { compileForWorkspace, maskFilterAddresses, nameTaken, toSegment } from "./rows";
import { ZCreateSegmentInput, type TCreateSegmentInput, type TSegment } from "./schemas";

/**
 * Creates a segment at version 1. The filter is checked against the catalogue and against the
 * workspace (topics and segments it names exist, no cycle): INVALID naming the condition. A name
 * used by another segment that is not archived (ignoring case) → CONFLICT. Audited
 * (`segment.created`, with the filter: addresses masked).
 */
export async function createSegment({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCreateSegmentInput;
}): Promise<TSegment> {
  const values = ZCreateSegmentInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    await compileForWorkspace(tx, ctx.workspaceId, ctx.now(), values.filter);
    const now = ctx.now();
    const [row] = await tx
      .insert(segments)
      .values({
        workspaceId: ctx.workspaceId,
        name: values.name,
        description: values.description || null,
        filter: values.filter,
        version: 1,
        createdByType: ctx.actor.type,
        createdById: actorId(ctx.actor),
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw nameTaken(values.name);
    await writeAudit(tx, ctx, {
      action: "segment.created",
      targetType: "segment",
      targetId: row.id,
      after: {
        name: row.name,
        description: row.description,
        version: 1,
        filter: maskFilterAddresses(row.filter),
      },
    });
    return toSegment(row, null, ctx.actor);
  });
}
