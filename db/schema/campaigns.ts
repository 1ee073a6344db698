import { sql } from "drizzle-orm";
import { index, jsonb, pgEnum, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";
import { CAMPAIGN_STATUSES } from "../../server/shared/enums";
import { channelEnum, topicKindEnum, topics } from "./topics";
import { workspaces } from "./workspaces";

export { CAMPAIGN_STATUSES, type CampaignStatus } from "../../server/shared/enums";

export const campaignStatusEnum = pgEnum("campaign_status", CAMPAIGN_STATUSES);

/** Inline content of a campaign that does not use a template. */
export interface CampaignContent {
  subject?: string;
  text: string;
  html?: string;
}

/** The last dry run of a campaign, as answered (counts only: no addresses, no contact ids). */
export interface CampaignDryRunResult {
  audience: number;
  sendable: number;
  blocked: Record<string, number>;
  deferred: number;
  smsSegments: number | null;
  estimatedCost: { amount: number; currency: "USD" } | null;
  computedAt: string;
}

/**
 * Campaigns: one message (a template or inline content) on one channel and topic to an audience
 * (a segment, or every contact with an address on the channel), minus exclusion segments.
 * `messages.campaign_id` points here (no foreign key: messages outlive nothing here).
 */
export const campaigns = pgTable(
  "campaigns",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    channel: channelEnum("channel").notNull(),
    topicId: uuid("topic_id")
      .notNull()
      .references(() => topics.id),
    kind: topicKindEnum("kind").notNull().default("marketing"),
    segmentId: uuid("segment_id"),
    exclusionSegmentIds: uuid("exclusion_segment_ids")
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    templateId: uuid("template_id"),
    content: jsonb("content").$type<CampaignContent>(),
    status: campaignStatusEnum("status").notNull().default("draft"),
    /** Who created it: the actor type and id, as in the audit log. */
    createdByType: text("created_by_type").notNull(),
    createdById: text("created_by_id"),
    lastDryRun: jsonb("last_dry_run").$type<CampaignDryRunResult>(),
    lastDryRunAt: timestampTz("last_dry_run_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("campaigns_workspace_updated_idx").on(t.workspaceId, t.updatedAt),
    index("campaigns_workspace_status_idx").on(t.workspaceId, t.status),
  ],
);

export type CampaignRow = typeof campaigns.$inferSelect;
