import { and, asc, eq, ilike, isNull, or } from "drizzle-orm";
import { templateVersions, templates } from "@/db/schema";
import type { ServiceContext } from "../context";
import { toSummary } from "./rows";
import { ZListTemplatesInput, type TListTemplatesInput, type TTemplateSummary } from "./schemas";

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The workspace's templates, filtered by channel, category and a name/key search; archived ones on request. */
export async function listTemplates({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input?: TListTemplatesInput;
}): Promise<TTemplateSummary[]> {
  const filters = ZListTemplatesInput.parse(input) ?? {};
  const rows = await ctx.db
    .select({ template: templates, variants: templateVersions.variants, compliance: templateVersions.compliance })
    .from(templates)
    .leftJoin(templateVersions, eq(templateVersions.id, templates.currentVersionId))
    .where(
      and(
        eq(templates.workspaceId, ctx.workspaceId),
        filters.includeArchived ? undefined : isNull(templates.archivedAt),
        filters.channel ? eq(templates.channel, filters.channel) : undefined,
        filters.category ? eq(templates.category, filters.category) : undefined,
        filters.search
          ? or(ilike(templates.name, likePattern(filters.search)), ilike(templates.key, likePattern(filters.search)))
          : undefined,
      ),
    )
    .orderBy(asc(templates.name), asc(templates.key));
  return rows.map((r) =>
    toSummary(r.template, r.variants && r.compliance ? { variants: r.variants, compliance: r.compliance } : null),
  );
}
