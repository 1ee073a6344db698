import { and, eq, inArray, or } from "drizzle-orm";
import { z } from "zod";
import { apiKeys, forms, imports } from "@/db/schema";
import type { Queryable } from "@/db/client";

/** A name shown in a contact's history, with the admin page it links to (null: no page). */
export const ZHistoryLink = z.object({ label: z.string(), href: z.string().nullable() });
export type THistoryLink = z.infer<typeof ZHistoryLink>;

/** How a form acts: the system actor `form:<key>` (services/forms/submit-form.ts). */
const FORM_ACTOR = /^form:(.+)$/;

const isUuid = (value: string) => z.uuid().safeParse(value).success;

/**
 * Names for the actors, forms and imports a contact's history refers to by id or key: a form's
 * name (linked to its builder page; the key when the form no longer exists), an API key's name,
 * an import's file name (linked to the imports page). Everything is read within the workspace, in
 * at most three queries, whatever the number of entries.
 */
export async function historyNames(
  db: Queryable,
  workspaceId: string,
  refs: { actors: { actorType: string; actorId: string | null }[]; formIds: string[]; importIds: string[] },
): Promise<{
  /** The actor's name and link, or null when another label applies (members: their name or email). */
  actor: (actorType: string, actorId: string | null) => THistoryLink | null;
  /** A form by id (a submission's `formVersion`), or null when it no longer exists. */
  formOf: (formId: string) => THistoryLink | null;
  importOf: (importId: string) => THistoryLink;
}> {
  const formKeys = new Set<string>();
  const keyIds = new Set<string>();
  for (const { actorType, actorId } of refs.actors) {
    if (!actorId) continue;
    const form = actorType === "system" ? FORM_ACTOR.exec(actorId) : null;
    if (form) formKeys.add(form[1]!);
    if (actorType === "apiKey" && isUuid(actorId)) keyIds.add(actorId);
  }
  const formIds = [...new Set(refs.formIds.filter(isUuid))];
  const importIds = [...new Set(refs.importIds.filter(isUuid))];

  const [formRows, keyRows, importRows] = await Promise.all([
    formKeys.size || formIds.length
      ? db
          .select({ id: forms.id, key: forms.key, name: forms.name })
          .from(forms)
          .where(
            and(
              eq(forms.workspaceId, workspaceId),
              or(
                formKeys.size ? inArray(forms.key, [...formKeys]) : undefined,
                formIds.length ? inArray(forms.id, formIds) : undefined,
              ),
            ),
          )
      : [],
    keyIds.size
      ? db
          .select({ id: apiKeys.id, name: apiKeys.name })
          .from(apiKeys)
          .where(and(eq(apiKeys.workspaceId, workspaceId), inArray(apiKeys.id, [...keyIds])))
      : [],
    importIds.length
      ? db
          .select({ id: imports.id, filename: imports.filename })
          .from(imports)
          .where(and(eq(imports.workspaceId, workspaceId), inArray(imports.id, importIds)))
      : [],
  ]);
  const formByKey = new Map(formRows.map((f) => [f.key, f]));
  const formById = new Map(formRows.map((f) => [f.id, f]));
  const formLink = (form: { id: string; name: string }) => ({
    label: `Form “${form.name}”`,
    href: `/forms/${form.id}`,
  });
  const keyName = new Map(keyRows.map((k) => [k.id, k.name]));
  const fileName = new Map(importRows.map((i) => [i.id, i.filename]));

  return {
    actor(actorType, actorId) {
      if (!actorId) return null;
      if (actorType === "apiKey") {
        const name = keyName.get(actorId);
        return name ? { label: `API key “${name}”`, href: null } : null;
      }
      const key = actorType === "system" ? FORM_ACTOR.exec(actorId)?.[1] : undefined;
      if (!key) return null;
      const form = formByKey.get(key);
      return form ? formLink(form) : { label: `Form “${key}”`, href: null };
    },
    formOf(formId) {
      const form = formById.get(formId);
      return form ? formLink(form) : null;
    },
    importOf(importId) {
      const filename = fileName.get(importId);
      if (filename === undefined) return { label: "CSV import", href: null };
      return { label: filename ? `Import of ${filename}` : "CSV import", href: "/contacts/import" };
    },
  };
}
