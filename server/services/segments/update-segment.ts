import { eq } from "drizzle-orm";
import { segments } from "@/db/schema";
import { canonicalJson } from "@/server/lib/canonical-json";
import { conflict } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import {
  compileForWorkspace,
  findSegment,
  isUniqueViolation,
  maskFilterAddresses,
  nameInUse,
  nameTaken,
  readSegmentCount,
  toSegment,
} from "./rows";
import { ZUpdateSegmentInput, type TSegment, type TUpdateSegmentInput } from "./schemas";

/**
 * Changes a segment's name, description or filter. A changed filter is checked like a new one
 * (a reference back to this segment, directly or through others, is a cycle: INVALID naming it)
 * and makes a new version (`version + 1`), so earlier counts no longer apply. An archived
 * segment is not edited (CONFLICT); a name another segment uses → CONFLICT. Nothing changed →
 * nothing written. Audited (`segment.updated`, before and after, the filters with addresses
 * masked: the audit log is the segment's version history).
 */
export async function updateSegment({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateSegmentInput;
}): Promise<TSegment> {
  const values = ZUpdateSegmentInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const row = await findSegment(tx, ctx.workspaceId, values.id, { lock: true });
    if (row.archivedAt) throw conflict("This segment is archived: bring it back before editing it");
    const name = values.name ?? row.name;
    const description = values.description === undefined ? row.description : values.description || null;
    const filter = values.filter ?? row.filter;
    const filterChanged = canonicalJson(filter) !== canonicalJson(row.filter);
    const nameChanged = name !== row.name;
    if (!filterChanged && !nameChanged && description === row.description) {
      return toSegment(row, await readSegmentCount(tx, row.id), ctx.actor);
    }
    if (filterChanged) {
      await compileForWorkspace(tx, ctx.workspaceId, ctx.now(), filter, { self: { id: row.id, name } });
    }
    if (nameChanged && (await nameInUse(tx, ctx.workspaceId, name, row.id))) throw nameTaken(name);
    const version = filterChanged ? row.version + 1 : row.version;
    let updated;
    try {
      [updated] = await tx
        .update(segments)
        .set({ name, description, filter, version, updatedAt: ctx.now() })
        .where(eq(segments.id, row.id))
        .returning();
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(name);
      throw error;
    }
    await writeAudit(tx, ctx, {
      action: "segment.updated",
      targetType: "segment",
      targetId: row.id,
      before: {
        name: row.name,
        description: row.description,
        version: row.version,
        ...(filterChanged ? { filter: maskFilterAddresses(row.filter) } : {}),
      },
      after: {
        name,
        description,
        version,
        ...(filterChanged ? { filter: maskFilterAddresses(filter) } : {}),
      },
    });
    return toSegment(updated!, await readSegmentCount(tx, row.id), ctx.actor);
  });
}
