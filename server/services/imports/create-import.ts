import { and, eq, inArray, isNull } from "drizzle-orm";
import { imports, topics } from "@/db/schema";
import { invalid } from "@/server/lib/errors";
import { requireAccess, type AccessRule, type ServiceContext } from "../context";
import { toImport } from "./rows";
import { ZCreateImportInput, type TCreateImportInput, type TImport } from "./schemas";

/** Recording consent from a file is a consent write: checked when the import is created and again when it runs. */
export const IMPORT_CONSENT_ACCESS: AccessRule = {
  scope: "consent:write",
  role: "marketer",
  what: "an import with a consent column (mapping.consentStatus)",
};

/**
 * Creates a pending import: the column mapping and the topics/channels the consent column
 * applies to. Every topic must exist (not archived) and offer at least one chosen channel.
 * Not idempotent (each call is a new import); the upload then runs it once (`runImport`).
 * Not audited here: `runImport` audits the start and the end.
 */
export async function createImport({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCreateImportInput;
}): Promise<TImport> {
  const parsed = ZCreateImportInput.parse(input);
  if (parsed.mapping.consentStatus) requireAccess(ctx, IMPORT_CONSENT_ACCESS);
  const topicKeys = [...new Set(parsed.topicKeys)];
  const channels = [...new Set(parsed.channels)];
  if (parsed.mapping.consentStatus && topicKeys.length) {
    const rows = await ctx.db
      .select({ key: topics.key, channels: topics.channels })
      .from(topics)
      .where(and(eq(topics.workspaceId, ctx.workspaceId), inArray(topics.key, topicKeys), isNull(topics.archivedAt)));
    for (const key of topicKeys) {
      const topic = rows.find((t) => t.key === key);
      if (!topic) throw invalid(`Unknown topic "${key}"`, "topicKeys");
      if (!topic.channels.some((c) => channels.includes(c))) {
        throw invalid(`Topic "${key}" is not offered on ${channels.join(" or ")}`, "channels");
      }
    }
  }
  const [row] = await ctx.db
    .insert(imports)
    .values({
      workspaceId: ctx.workspaceId,
      filename: parsed.filename || null,
      mapping: parsed.mapping,
      options: {
        topicKeys: parsed.mapping.consentStatus ? topicKeys : [],
        channels: parsed.mapping.consentStatus ? channels : [],
        tags: parsed.tags,
      },
      createdByUserId: ctx.actor.type === "user" ? ctx.actor.userId : null,
      createdAt: ctx.now(),
    })
    .returning();
  return toImport(row!);
}
