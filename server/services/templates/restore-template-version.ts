import { AppError, notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { getTemplate } from "./get-template";
import { findTemplate, findVersion, insertVersion } from "./rows";
import { prepareVersionContent } from "./save-check";
import { ZRestoreTemplateVersionInput, type TRestoreTemplateVersionInput, type TTemplateDetail } from "./schemas";

/**
 * Makes an old version live again by copying its content into a new version (N+1, with
 * `restoredFromVersion`): history only grows, and messages sent from any version keep pointing at
 * it. The copy passes the same check as a save. Restoring the live version → INVALID. Audited.
 */
export async function restoreTemplateVersion({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TRestoreTemplateVersionInput;
}): Promise<TTemplateDetail> {
  const { id, version } = ZRestoreTemplateVersionInput.parse(input);
  await inTransaction(ctx.db, async (tx) => {
    const template = await findTemplate(tx, ctx.workspaceId, { id }, { lock: true });
    const source = await findVersion(tx, template, version);
    if (!source) throw notFound("Template version");
    if (version === template.currentVersion)
      throw new AppError("INVALID", `Version ${version} is already live`, { field: "version" });
    const prepared = await prepareVersionContent(tx, ctx.workspaceId, template, {
      defaultLocale: source.defaultLocale,
      variants: source.variants,
      variables: source.variables,
    });
    const next = template.currentVersion + 1;
    const row = await insertVersion(tx, ctx, template, next, prepared.content, prepared.compliance, version);
    await writeAudit(tx, ctx, {
      action: "template.restored",
      targetType: "template",
      targetId: template.id,
      before: { version: template.currentVersion },
      after: { version: next, versionId: row.id, restoredFromVersion: version },
    });
  });
  return getTemplate({ ctx, input: { id } });
}
