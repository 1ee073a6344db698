import { z } from "zod";
import type { ServiceContext } from "../context";
import { loadTemplateDetail } from "./rows";
import type { TTemplateDetail } from "./schemas";

export const ZGetTemplateInput = z.object({ id: z.uuid() });

/** A template with its live version and full history (newest first). Another workspace's id is NOT_FOUND. Not audited. */
export async function getTemplate({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZGetTemplateInput>;
}): Promise<TTemplateDetail> {
  const { id } = ZGetTemplateInput.parse(input);
  return loadTemplateDetail(ctx.db, ctx.workspaceId, id);
}
