import { readWorkspaceProfile, type WorkspaceProfile } from "@/server/shared/workspace-profile";
import { and, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { templateVersions, templates, users, workspaces, type TemplateRow, type TemplateVersionRow } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { canonicalJson } from "@/server/lib/canonical-json";
import { actorId, type ServiceContext } from "../context";
import type {
  TComplianceResult,
  TTemplateDetail,
  TTemplateSummary,
  TTemplateVersion,
  TTemplateVersionContent,
} from "./schemas";

/** One template of the workspace by id or key; another workspace's (or a malformed id) is NOT_FOUND. */
export async function findTemplate(
  db: Queryable,
  workspaceId: string,
  by: { id: string } | { key: string },
  options: { lock?: boolean } = {},
): Promise<TemplateRow> {
  if ("id" in by && !z.uuid().safeParse(by.id).success) throw notFound("Template");
  const query = db
    .select()
    .from(templates)
    .where(
      and(eq(templates.workspaceId, workspaceId), "id" in by ? eq(templates.id, by.id) : eq(templates.key, by.key)),
    );
  const [row] = options.lock ? await query.for("update") : await query;
  if (!row) throw notFound("Template");
  return row;
}

export async function findVersion(
  db: Queryable,
  template: TemplateRow,
  version?: number,
): Promise<TemplateVersionRow | undefined> {
  const [row] = await db
    .select()
    .from(templateVersions)
    .where(
      and(
        eq(templateVersions.templateId, template.id),
        eq(templateVersions.version, version ?? template.currentVersion),
      ),
    );
  return row;
}

/** The workspace's name and profile (sender, postal address): what a preview or a check needs to show the real footer and From. */
export async function workspacePresentation(
  db: Queryable,
  workspaceId: string,
): Promise<{ name: string; profile: WorkspaceProfile }> {
  const [row] = await db
    .select({ name: workspaces.name, settings: workspaces.settings })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
  if (!row) throw notFound("Workspace");
  return { name: row.name, profile: readWorkspaceProfile(row.settings) };
}

export async function workspaceName(db: Queryable, workspaceId: string): Promise<string> {
  const [row] = await db.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, workspaceId));
  if (!row) throw notFound("Workspace");
  return row.name;
}

/** Appends version `version` (immutable once written) and points the template at it. */
export async function insertVersion(
  tx: Queryable,
  ctx: Pick<ServiceContext, "actor" | "now">,
  template: { id: string; workspaceId: string },
  version: number,
  content: TTemplateVersionContent,
  compliance: TComplianceResult,
  restoredFromVersion: number | null = null,
): Promise<TemplateVersionRow> {
  const [row] = await tx
    .insert(templateVersions)
    .values({
      workspaceId: template.workspaceId,
      templateId: template.id,
      version,
      defaultLocale: content.defaultLocale,
      variants: content.variants,
      variables: content.variables,
      compliance,
      restoredFromVersion,
      createdByType: ctx.actor.type,
      createdById: actorId(ctx.actor),
      createdAt: ctx.now(),
    })
    .returning();
  await tx
    .update(templates)
    .set({ currentVersionId: row!.id, currentVersion: version, updatedAt: ctx.now() })
    .where(eq(templates.id, template.id));
  return row!;
}

export function sameContent(
  a: Pick<TTemplateVersionContent, "defaultLocale" | "variants" | "variables">,
  b: Pick<TemplateVersionRow, "defaultLocale" | "variants" | "variables">,
): boolean {
  return (
    canonicalJson({ d: a.defaultLocale, v: a.variants, x: a.variables }) ===
    canonicalJson({ d: b.defaultLocale, v: b.variants, x: b.variables })
  );
}

function normalizeCompliance(value: TemplateVersionRow["compliance"] | null | undefined): TComplianceResult | null {
  if (!value) return null;
  return {
    ok: value.ok,
    problems: value.problems.map((p) => ({
      ...p,
      severity: (p as { severity?: "error" | "warning" }).severity ?? "error",
    })),
  };
}

export function toVersion(row: TemplateVersionRow, createdBy: string | null): TTemplateVersion {
  return {
    id: row.id,
    version: row.version,
    defaultLocale: row.defaultLocale,
    variants: row.variants,
    variables: row.variables,
    compliance: normalizeCompliance(row.compliance)!,
    restoredFromVersion: row.restoredFromVersion,
    createdBy,
    createdAt: row.createdAt,
  };
}

export function toSummary(
  row: TemplateRow,
  current: Pick<TemplateVersionRow, "variants" | "compliance"> | null,
): TTemplateSummary {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    channel: row.channel,
    category: row.category,
    topicKey: row.topicKey,
    systemKey: row.systemKey,
    currentVersion: row.currentVersion,
    currentVersionId: row.currentVersionId,
    locales: current ? Object.keys(current.variants) : [],
    compliance: normalizeCompliance(current?.compliance),
    archived: row.archivedAt !== null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The template with every version (newest first) and who made each. */
export async function loadTemplateDetail(db: Queryable, workspaceId: string, id: string): Promise<TTemplateDetail> {
  const row = await findTemplate(db, workspaceId, { id });
  const versionRows = await db
    .select({ version: templateVersions, userName: users.name, userEmail: users.email })
    .from(templateVersions)
    .leftJoin(
      users,
      and(eq(templateVersions.createdByType, "user"), sql`${users.id}::text = ${templateVersions.createdById}`),
    )
    .where(and(eq(templateVersions.templateId, id), eq(templateVersions.workspaceId, workspaceId)))
    .orderBy(desc(templateVersions.version));
  const versions = versionRows.map((r) =>
    toVersion(
      r.version,
      r.userName ??
        r.userEmail ??
        (r.version.createdByType === "system" ? "System" : r.version.createdByType === "apiKey" ? "API key" : null),
    ),
  );
  const current = versions.find((v) => v.version === row.currentVersion) ?? null;
  const currentRow = versionRows.find((r) => r.version.version === row.currentVersion)?.version ?? null;
  return { ...toSummary(row, currentRow), current, versions };
}
