import { and, desc, eq, isNull } from "drizzle-orm";
import { formVersions, forms } from "@/db/schema";
import type { ServiceContext } from "../context";
import { signupCounts, toSummary } from "./form-rows";
import type { TFormSummary } from "./schemas";

/** The workspace's forms, most recently changed first; archived ones only when asked. */
export async function listForms({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input?: { includeArchived?: boolean };
}): Promise<TFormSummary[]> {
  const rows = await ctx.db
    .select({ form: forms, definition: formVersions.definition })
    .from(forms)
    .innerJoin(formVersions, and(eq(formVersions.formId, forms.id), eq(formVersions.version, forms.currentVersion)))
    .where(and(eq(forms.workspaceId, ctx.workspaceId), input?.includeArchived ? undefined : isNull(forms.archivedAt)))
    .orderBy(desc(forms.updatedAt));
  const counts = await signupCounts(
    ctx.db,
    ctx.workspaceId,
    rows.map((r) => r.form.id),
  );
  return rows.map((r) => toSummary(r.form, r.definition, counts.get(r.form.id) ?? 0));
}
