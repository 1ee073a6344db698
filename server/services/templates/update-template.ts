import { eq } from "drizzle-orm";
import { templates } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { getTemplate } from "./get-template";
import { findTemplate, findVersion, insertVersion, sameContent } from "./rows";
import { checkTopicKey, prepareVersionContent } from "./save-check";
import { ZUpdateTemplateInput, type TTemplateDetail, type TUpdateTemplateInput } from "./schemas";

/**
 * Saves a template. Changed content becomes a new immutable version (`current_version + 1`); older
 * versions are never edited, so messages keep pointing at exactly what they were rendered from.
 * Unchanged content adds no version; name, category and topic change in place. Every save re-runs
 * the check on the content it leaves live (a category can make it marketing). The template row is
 * locked, so two concurrent saves get N+1 and N+2. Key and channel never change. Audited.
 */
export async function updateTemplate({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateTemplateInput;
}): Promise<TTemplateDetail> {
  const values = ZUpdateTemplateInput.parse(input);
  const topicGiven = input.topicKey !== undefined;
  await inTransaction(ctx.db, async (tx) => {
    const template = await findTemplate(tx, ctx.workspaceId, { id: values.id }, { lock: true });
    const current = await findVersion(tx, template);
    const category = values.category ?? template.category;
    const topicKey = topicGiven ? values.topicKey : template.topicKey;
    if (topicGiven && topicKey !== template.topicKey)
      await checkTopicKey(tx, ctx.workspaceId, topicKey, template.channel);

    const wanted =
      values.content ??
      (current
        ? { defaultLocale: current.defaultLocale, variants: current.variants, variables: current.variables }
        : null);
    const prepared = wanted
      ? await prepareVersionContent(tx, ctx.workspaceId, { channel: template.channel, category }, wanted)
      : null;
    const changedContent = prepared !== null && (!current || !sameContent(prepared.content, current));
    const changedMeta =
      (values.name !== undefined && values.name !== template.name) ||
      category !== template.category ||
      topicKey !== template.topicKey;
    if (!changedContent && !changedMeta) return;

    let version = template.currentVersion;
    let versionId = template.currentVersionId;
    if (changedContent) {
      version = template.currentVersion + 1;
      versionId = (await insertVersion(tx, ctx, template, version, prepared.content, prepared.compliance)).id;
    }
    await tx
      .update(templates)
      .set({ name: values.name ?? template.name, category, topicKey, updatedAt: ctx.now() })
      .where(eq(templates.id, template.id));
    await writeAudit(tx, ctx, {
      action: "template.updated",
      targetType: "template",
      targetId: template.id,
      before: {
        name: template.name,
        category: template.category,
        topicKey: template.topicKey,
        version: template.currentVersion,
      },
      after: {
        name: values.name ?? template.name,
        category,
        topicKey,
        version,
        versionId,
        compliant: prepared?.compliance.ok ?? null,
      },
    });
  });
  return getTemplate({ ctx, input: { id: values.id } });
}
