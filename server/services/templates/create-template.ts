import { templates } from "@/db/schema";
import { AppError } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { getTemplate } from "./get-template";
import { insertVersion } from "./rows";
import { checkTopicKey, prepareVersionContent } from "./save-check";
import { ZCreateTemplateInput, type TCreateTemplateInput, type TTemplateDetail } from "./schemas";

/**
 * Creates a template with version 1 after the save-time check (Liquid, variables, compliance).
 * A key already used in the workspace → CONFLICT. Audited (`template.created`).
 */
export async function createTemplate({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCreateTemplateInput;
}): Promise<TTemplateDetail> {
  const values = ZCreateTemplateInput.parse(input);
  const id = await inTransaction(ctx.db, async (tx) => {
    await checkTopicKey(tx, ctx.workspaceId, values.topicKey, values.channel);
    const { content, compliance } = await prepareVersionContent(tx, ctx.workspaceId, values, values.content);
    const now = ctx.now();
    const [row] = await tx
      .insert(templates)
      .values({
        workspaceId: ctx.workspaceId,
        key: values.key,
        name: values.name,
        channel: values.channel,
        category: values.category,
        topicKey: values.topicKey,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!row)
      throw new AppError("CONFLICT", `A template with the key "${values.key}" already exists`, { field: "key" });
    const version = await insertVersion(tx, ctx, row, 1, content, compliance);
    await writeAudit(tx, ctx, {
      action: "template.created",
      targetType: "template",
      targetId: row.id,
      after: {
        key: row.key,
        channel: row.channel,
        category: row.category,
        version: 1,
        versionId: version.id,
        locales: Object.keys(content.variants),
        compliant: compliance.ok,
      },
    });
    return row.id;
  });
  return getTemplate({ ctx, input: { id } });
}
