import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { forms } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { getForm } from "./get-form";
import { ZArchiveFormInput, type TFormDetail } from "./schemas";

/**
 * Archives (or restores) a form. An archived form's page answers 404 and accepts no submissions;
 * its versions and the consent they collected stay. Idempotent. Audited when it changes.
 */
export async function archiveForm({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZArchiveFormInput>;
}): Promise<TFormDetail> {
  const { id, archived } = ZArchiveFormInput.parse(input);
  await inTransaction(ctx.db, async (tx) => {
    const [form] = await tx
      .select()
      .from(forms)
      .where(and(eq(forms.id, id), eq(forms.workspaceId, ctx.workspaceId)))
      .for("update");
    if (!form) throw notFound("Form");
    if ((form.archivedAt !== null) === archived) return;
    const now = ctx.now();
    await tx
      .update(forms)
      .set({ archivedAt: archived ? now : null, updatedAt: now })
      .where(eq(forms.id, id));
    await writeAudit(tx, ctx, {
      action: archived ? "form.archived" : "form.restored",
      targetType: "form",
      targetId: id,
    });
  });
  return getForm({ ctx, input: { id } });
}
