import type { ServiceContext } from "../context";
import { previewPage } from "./preview-page";
import { compileForWorkspace, findSegment } from "./rows";
import { ZPreviewFilterInput, type TPreviewFilterInput, type TSegmentContactsPage } from "./schemas";

/**
 * A page of the contacts an unsaved filter matches (the builder's preview), newest first, masked
 * for viewers and keys without `contacts:read`. `segmentId` as in `countFilter`. Not audited.
 */
export async function previewFilter({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TPreviewFilterInput;
}): Promise<TSegmentContactsPage> {
  const { filter, segmentId, cursor, limit } = ZPreviewFilterInput.parse(input);
  const self = segmentId ? await findSegment(ctx.db, ctx.workspaceId, segmentId) : undefined;
  const where = await compileForWorkspace(ctx.db, ctx.workspaceId, ctx.now(), filter, {
    self: self ? { id: self.id, name: self.name } : undefined,
  });
  return previewPage(ctx, where, { cursor, limit });
}
