import { eq } from "drizzle-orm";
import { segments } from "@/db/schema";
import { conflict } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import {
  compileForWorkspace,
  findSegment,
  isUniqueViolation,
  nameInUse,
  nameTaken,
  readSegmentCount,
  segmentsUsing,
  toSegment,
} from "./rows";
import { ZArchiveSegmentInput, type TArchiveSegmentInput, type TSegment } from "./schemas";

/**
 * Archives a segment (or brings it back with `archived: false`). An archived segment keeps its
 * filter and history but can no longer be named by another segment; a segment that another
 * segment still uses is not archived (CONFLICT naming them). Bringing one back whose name a
 * newer segment took → CONFLICT. Idempotent; audited when something changes.
 */
export async function archiveSegment({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TArchiveSegmentInput;
}): Promise<TSegment> {
  const { id, archived } = ZArchiveSegmentInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const row = await findSegment(tx, ctx.workspaceId, id, { lock: true });
    if ((row.archivedAt !== null) === archived) {
      return toSegment(row, await readSegmentCount(tx, row.id), ctx.actor);
    }
    if (archived) {
      const users = await segmentsUsing(tx, ctx.workspaceId, row.id);
      if (users.length) {
        const names = users.map((u) => `"${u.name}"`).join(", ");
        throw conflict(`This segment is used by ${names}: remove it from there before archiving it`);
      }
    }
    if (!archived) {
      if (await nameInUse(tx, ctx.workspaceId, row.name, row.id)) throw nameTaken(row.name);
      // What it names must still be there (a segment it uses may have been archived since).
      await compileForWorkspace(tx, ctx.workspaceId, ctx.now(), row.filter, { self: { id: row.id, name: row.name } });
    }
    let updated;
    try {
      [updated] = await tx
        .update(segments)
        .set({ archivedAt: archived ? ctx.now() : null, updatedAt: ctx.now() })
        .where(eq(segments.id, row.id))
        .returning();
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(row.name);
      throw error;
    }
    await writeAudit(tx, ctx, {
      action: archived ? "segment.archived" : "segment.unarchived",
      targetType: "segment",
      targetId: row.id,
      before: { archived: !archived, name: row.name, version: row.version },
      after: { archived, name: row.name, version: row.version },
    });
    return toSegment(updated!, await readSegmentCount(tx, row.id), ctx.actor);
  });
}
