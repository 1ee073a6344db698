import { and, asc, countDistinct, eq, inArray, like, sql } from "drizzle-orm";
import { consentEvents, formVersions, forms, users, type FormDefinition } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { notFound } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import type { TFormDetail, TFormSummary } from "./schemas";

type FormRow = typeof forms.$inferSelect;

/** Distinct contacts per form who submitted it (any version), from the ledger evidence. */
export async function signupCounts(db: Queryable, workspaceId: string, formIds: string[]): Promise<Map<string, number>> {
  if (formIds.length === 0) return new Map();
  const formId = sql<string>`split_part(${consentEvents.evidence}->>'formVersion', '@', 1)`;
  const rows = await db
    .select({ formId, n: countDistinct(consentEvents.contactId) })
    .from(consentEvents)
    .where(
      and(
        eq(consentEvents.workspaceId, workspaceId),
        eq(consentEvents.action, "opted_in"),
        eq(consentEvents.source, "form"),
        like(sql`${consentEvents.evidence}->>'formVersion'`, "%@v%"),
        inArray(formId, formIds),
      ),
    )
    .groupBy(formId);
  return new Map(rows.map((r) => [r.formId, Number(r.n)]));
}

export function toSummary(form: FormRow, definition: FormDefinition, signups: number): TFormSummary {
  return {
    id: form.id,
    key: form.key,
    name: form.name,
    title: definition.title,
    currentVersion: form.currentVersion,
    doubleOptIn: definition.doubleOptIn,
    topicIds: definition.topicIds,
    archived: form.archivedAt !== null,
    signups,
    createdAt: form.createdAt,
    updatedAt: form.updatedAt,
  };
}

const TRACKED_KEYS = ["title", "description", "fields", "topicIds", "consentText", "doubleOptIn", "submitLabel", "successMessage"] as const;

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
          ? TRACKED_KEYS.filter((k) => JSON.stringify(previous[k] ?? null) !== JSON.stringify(v.version.definition[k] ?? null))
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
