import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";
import { channelEnum } from "./topics";
import { TEMPLATE_CATEGORIES } from "../../server/shared/enums";
import { workspaces } from "./workspaces";

export { TEMPLATE_CATEGORIES, type TemplateCategory } from "../../server/shared/enums";

export const templateCategoryEnum = pgEnum("template_category", TEMPLATE_CATEGORIES);

/** A declared template variable with the sample value used by previews and the save-time check. */
export interface TemplateVariable {
  name: string;
  sample: string;
  description?: string;
}

/** The content of one locale of a version. `doc` is the TipTap JSON the HTML was made from. */
export interface TemplateContent {
  subject?: string;
  text: string;
  html?: string;
  doc?: unknown;
}

/** The result of the compliance check stored with each version (re-run before every send). */
export interface TemplateComplianceResult {
  ok: boolean;
  problems: { code: string; message: string; locale?: string }[];
}

/**
 * A named message per workspace and channel. Its content lives in immutable versions; editing
 * makes a new version and moves `current_version_id`; sends record the version they used.
 */
export const templates = pgTable(
  "templates",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** Stable API name (letters, digits, `-`, `_`). */
    key: text("key").notNull(),
    name: text("name").notNull(),
    channel: channelEnum("channel").notNull(),
    category: templateCategoryEnum("category").notNull(),
    /** Topic key the template is usually sent for (a default for the send form). */
    topicKey: text("topic_key"),
    currentVersionId: uuid("current_version_id"),
    currentVersion: integer("current_version").notNull().default(0),
    /** Marks templates created for a new workspace (welcome, opt-out confirmation, help, newsletter). */
    systemKey: text("system_key"),
    archivedAt: timestampTz("archived_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("templates_workspace_key_key").on(t.workspaceId, t.key),
    uniqueIndex("templates_workspace_system_key")
      .on(t.workspaceId, t.systemKey)
      .where(sql`${t.systemKey} is not null`),
  ],
);

/** Immutable template versions (the database refuses UPDATE and DELETE, migration 0007). */
export const templateVersions = pgTable(
  "template_versions",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    templateId: uuid("template_id")
      .notNull()
      .references(() => templates.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    /** Locale used when the contact's locale has no variant, e.g. "en". */
    defaultLocale: text("default_locale").notNull().default("en"),
    /** Locale (BCP 47) → content; always holds `default_locale`. */
    variants: jsonb("variants").$type<Record<string, TemplateContent>>().notNull(),
    variables: jsonb("variables").$type<TemplateVariable[]>().notNull().default([]),
    compliance: jsonb("compliance").$type<TemplateComplianceResult>().notNull(),
    /** Set when this version was made by restoring an older one. */
    restoredFromVersion: integer("restored_from_version"),
    createdByType: text("created_by_type").notNull(),
    createdById: text("created_by_id"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("template_versions_template_version_key").on(t.templateId, t.version),
    index("template_versions_workspace_idx").on(t.workspaceId),
  ],
);

export type TemplateRow = typeof templates.$inferSelect;
export type TemplateVersionRow = typeof templateVersions.$inferSelect;
