import { and, eq, inArray, isNull } from "drizzle-orm";
import { formVersions, forms, topics, workspaces, type FormDefinition, type TopicRow } from "@/db/schema";
import type { PublicContext } from "../context";

export interface PublicForm {
  formId: string;
  key: string;
  workspaceId: string;
  /** The workspace's name: the brand people consent to. */
  brand: string;
  version: number;
  versionId: string;
  definition: FormDefinition;
  /** Live topics of the definition, in its order (archived topics drop out). */
  topics: TopicRow[];
}

/**
 * The current version of a live form, for the hosted page. No auth: the key is the capability.
 * null = unknown or archived key (the page answers 404).
 */
export async function getPublicForm({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: { key: string };
}): Promise<PublicForm | null> {
  const { db } = ctx;
  const { key } = input;
  if (!/^[A-Za-z0-9_-]{6,64}$/.test(key)) return null;
  const [row] = await db
    .select({ form: forms, version: formVersions, brand: workspaces.name })
    .from(forms)
    .innerJoin(formVersions, and(eq(formVersions.formId, forms.id), eq(formVersions.version, forms.currentVersion)))
    .innerJoin(workspaces, eq(workspaces.id, forms.workspaceId))
    .where(and(eq(forms.key, key), isNull(forms.archivedAt)));
  if (!row) return null;
  const definition = row.version.definition;
  const topicRows = definition.topicIds.length
    ? await db
        .select()
        .from(topics)
        .where(
          and(
            eq(topics.workspaceId, row.form.workspaceId),
            inArray(topics.id, definition.topicIds),
            isNull(topics.archivedAt),
          ),
        )
    : [];
  const order = new Map(definition.topicIds.map((id, i) => [id, i]));
  return {
    formId: row.form.id,
    key: row.form.key,
    workspaceId: row.form.workspaceId,
    brand: row.brand,
    version: row.version.version,
    versionId: row.version.id,
    definition,
    topics: topicRows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)),
  };
}
