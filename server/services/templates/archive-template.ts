import { eq } from "drizzle-orm";
import { templates } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { getTemplate } from "./get-template";
import { findTemplate } from "./rows";
import { ZArchiveTemplateInput, type TArchiveTemplateInput, type TTemplateDetail } from "./schemas";

/**
 * Archives (or brings back) a template. An archived template cannot be sent; its versions and the
 * messages that used them are kept. Idempotent: archiving an archived template changes nothing.
 * Audited when something changes.
 */
export async function archiveTemplate({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TArchiveTemplateInput;
}): Promise<TTemplateDetail> {
  const { id, archived } = ZArchiveTemplateInput.parse(input);
  await inTransaction(ctx.db, async (tx) => {
    const template = await findTemplate(tx, ctx.workspaceId, { id }, { lock: true });
    if ((template.archivedAt !== null) === archived) return;
    await tx
      .update(templates)
      .set({ archivedAt: archived ? ctx.now() : null, updatedAt: ctx.now() })
      .where(eq(templates.id, id));
    await writeAudit(tx, ctx, {
      action: archived ? "template.archived" : "template.unarchived",
      targetType: "template",
      targetId: id,
      before: { archived: !archived },
      after: { archived },
    });
  });
  return getTemplate({ ctx, input: { id } });
}
