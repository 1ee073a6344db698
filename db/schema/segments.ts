import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";
import { SEGMENT_COUNT_STATUSES } from "../../server/shared/enums";
import type { SegmentFilter } from "../../server/shared/segment-filter";
import { workspaces } from "./workspaces";

export { SEGMENT_COUNT_STATUSES, type SegmentCountStatus } from "../../server/shared/enums";

export const segmentCountStatusEnum = pgEnum("segment_count_status", SEGMENT_COUNT_STATUSES);

/**
 * Saved audiences: a name and a filter over the workspace's contacts (the language in
 * server/shared/segment-filter.ts). `version` goes up by one whenever the filter changes; the
 * audit log keeps every version's filter (`segment.created` / `segment.updated`). Names are unique
 * per workspace (ignoring case) among segments that are not archived.
 */
export const segments = pgTable(
  "segments",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    filter: jsonb("filter").$type<SegmentFilter>().notNull(),
    version: integer("version").notNull().default(1),
    /** Who created it: the actor type and id, as in the audit log. */
    createdByType: text("created_by_type").notNull(),
    createdById: text("created_by_id"),
    archivedAt: timestampTz("archived_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("segments_workspace_name_key")
      .on(t.workspaceId, sql`lower(${t.name})`)
      .where(sql`${t.archivedAt} is null`),
    index("segments_workspace_updated_idx").on(t.workspaceId, t.updatedAt),
  ],
);

/**
 * The last count of a segment (one row per segment): for which filter `version`, its state, and
 * when it started and finished. A count is fresh while its version is the segment's and it is
 * younger than the freshness window (server/services/segments/count-runner.ts).
 */
export const segmentCounts = pgTable("segment_counts", {
  segmentId: uuid("segment_id")
    .primaryKey()
    .references(() => segments.id, { onDelete: "cascade" }),
  workspaceId: uuid("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  version: integer("version").notNull(),
  count: integer("count"),
  status: segmentCountStatusEnum("status").notNull(),
  startedAt: timestampTz("started_at").notNull(),
  computedAt: timestampTz("computed_at"),
  /** Why a count failed or stopped (never SQL parameters or personal data). */
  error: text("error"),
});

export type SegmentRow = typeof segments.$inferSelect;
export type SegmentCountRow = typeof segmentCounts.$inferSelect;
