import { and, eq } from "drizzle-orm";
import { formVersions, forms } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { canonicalJson } from "@/server/lib/canonical-json";
import { checkTopics, insertVersion } from "./form-rows";
import { getForm } from "./get-form";
import { ZUpdateFormInput, type TFormDetail, type TUpdateFormInput } from "./schemas";

/**
 * Saves a form. A changed definition becomes a new immutable version (`current_version + 1`);
 * older versions are never edited, so a submission's evidence (`formId@vN` + text hash) keeps
 * pointing at exactly what the person saw. An unchanged definition adds no version; a rename
 * alone only renames. The form row is locked, so two concurrent saves get versions N+1 and N+2.
 * Audited.
 */
export async function updateForm({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateFormInput;
}): Promise<TFormDetail> {
  const { id, name, definition } = ZUpdateFormInput.parse(input);
  await inTransaction(ctx.db, async (tx) => {
    const [form] = await tx
      .select()
      .from(forms)
      .where(and(eq(forms.id, id), eq(forms.workspaceId, ctx.workspaceId)))
      .for("update");
    if (!form) throw notFound("Form");
    const [current] = await tx
      .select()
      .from(formVersions)
      .where(and(eq(formVersions.formId, id), eq(formVersions.version, form.currentVersion)));
    const changedDefinition = definition && canonicalJson(definition) !== canonicalJson(current?.definition);
    const renamed = name !== undefined && name !== form.name;
    if (!changedDefinition && !renamed) return;

    let version = form.currentVersion;
    if (changedDefinition) {
      await checkTopics(tx, ctx.workspaceId, definition);
      version = form.currentVersion + 1;
      await insertVersion(tx, ctx, id, version, definition);
    }
    await tx
      .update(forms)
      .set({ name: name ?? form.name, currentVersion: version, updatedAt: ctx.now() })
      .where(eq(forms.id, id));
    await writeAudit(tx, ctx, {
      action: "form.updated",
      targetType: "form",
      targetId: id,
      before: { name: form.name, version: form.currentVersion },
      after: { name: name ?? form.name, version },
    });
  });
  return getForm({ ctx, input: { id } });
}
