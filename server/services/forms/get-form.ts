import { and, asc, eq } from "drizzle-orm";
import { formVersions, forms, users } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { signupCounts, toSummary } from "./form-rows";
import type { TFormDetail } from "./schemas";

const TRACKED_KEYS = [
  "title",
  "description",
  "fields",
  "topicIds",
  "consentText",
  "doubleOptIn",
  "submitLabel",
  "successMessage",
] as const;

/** One form of this workspace with its current definition and every version (newest first). */
export async function getForm({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<TFormDetail> {
  const [form] = await ctx.db
    .select()
    .from(forms)
    .where(and(eq(forms.id, input.id), eq(forms.workspaceId, ctx.workspaceId)));
  if (!form) throw notFound("Form");
  const versions = await ctx.db
    .select({ version: formVersions, createdBy: users.name, createdByEmail: users.email })
    .from(formVersions)
    .leftJoin(users, eq(users.id, formVersions.createdByUserId))
    .where(eq(formVersions.formId, form.id))
    .orderBy(asc(formVersions.version));
  const current = versions.find((v) => v.version.version === form.currentVersion) ?? versions.at(-1)!;
  const signups = (await signupCounts(ctx.db, ctx.workspaceId, [form.id])).get(form.id) ?? 0;
  return {
    ...toSummary(form, current.version.definition, signups),
    definition: current.version.definition,
    consentTextHash: current.version.consentTextHash,
    versions: versions
      .map((v, i) => {
        const previous = versions[i - 1]?.version.definition;
        const changed = previous
          ? TRACKED_KEYS.filter(
              (k) => JSON.stringify(previous[k] ?? null) !== JSON.stringify(v.version.definition[k] ?? null),
            )
          : [];
        return {
          id: v.version.id,
          version: v.version.version,
          consentTextHash: v.version.consentTextHash,
          createdAt: v.version.createdAt,
          createdBy: v.createdBy ?? v.createdByEmail ?? null,
          changed: [...changed],
        };
      })
      .reverse(),
  };
}
