import type { ServiceContext } from "../context";
import { previewPage } from "./preview-page";
import { compileForWorkspace, findSegment } from "./rows";
import { ZPreviewSegmentContactsInput, type TPreviewSegmentContactsInput, type TSegmentContactsPage } from "./schemas";

/**
 * A page of a saved segment's contacts, newest first: who the segment holds right now (not a
 * snapshot). Masked for viewers and keys without `contacts:read`. Not audited (like the contacts list).
 */
export async function previewSegmentContacts({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TPreviewSegmentContactsInput;
}): Promise<TSegmentContactsPage> {
  const { id, cursor, limit } = ZPreviewSegmentContactsInput.parse(input);
  const segment = await findSegment(ctx.db, ctx.workspaceId, id);
  const where = await compileForWorkspace(ctx.db, ctx.workspaceId, ctx.now(), segment.filter, {
    self: { id: segment.id, name: segment.name },
  });
  return previewPage(ctx, where, { cursor, limit });
}
