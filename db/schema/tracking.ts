import { sql } from "drizzle-orm";
import { boolean, index, integer, pgEnum, pgTable, text, unique, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { TRACKING_EVENT_KINDS, TRACKING_SOURCES, type MachineReason } from "../../server/shared/enums";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";
import { messages } from "./messages";
import { workspaces } from "./workspaces";

export { MACHINE_REASONS, TRACKING_EVENT_KINDS, TRACKING_SOURCES } from "../../server/shared/enums";

export const trackingEventKindEnum = pgEnum("tracking_event_kind", TRACKING_EVENT_KINDS);
export const trackingSourceEnum = pgEnum("tracking_source", TRACKING_SOURCES);

/**
 * The tracked links of a message, one row per distinct http(s) URL it carried (in order of first
 * appearance). A click redirect goes only to the URL stored here: the token names the message
 * and this row, never a destination. The URL may be personalised, so it is encrypted
 * (`url_ciphertext`); `url_hash` (SHA-256 of the URL) groups the same link across messages.
 * SMS links also get a `short_code` (`/t/{code}`).
 */
export const messageLinks = pgTable(
  "message_links",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    messageId: uuid("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    urlCiphertext: text("url_ciphertext").notNull(),
    urlHash: text("url_hash").notNull(),
    shortCode: text("short_code"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("message_links_message_position_key").on(t.messageId, t.position),
    uniqueIndex("message_links_short_code_key")
      .on(t.shortCode)
      .where(sql`${t.shortCode} is not null`),
  ],
);

export type MessageLinkRow = typeof messageLinks.$inferSelect;

/**
 * Opens and clicks, one row per event counted (a provider's report of an event we already saw is
 * not stored twice). No IP address is kept, and of the user agent only its class
 * (`user_agent_class`: e.g. `apple_privacy_proxy`, `google_image_proxy`, `scanner`, `browser`).
 * `machine` marks events taken for a machine's (`machine_reason`): rates leave them out unless
 * the workspace counts machine opens.
 */
export const trackingEvents = pgTable(
  "tracking_events",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    messageId: uuid("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    linkId: uuid("link_id"),
    kind: trackingEventKindEnum("kind").notNull(),
    source: trackingSourceEnum("source").notNull(),
    machine: boolean("machine").notNull().default(false),
    machineReason: text("machine_reason").$type<MachineReason>(),
    userAgentClass: text("user_agent_class"),
    occurredAt: timestampTz("occurred_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("tracking_events_message_idx").on(t.messageId, t.kind, t.occurredAt),
    index("tracking_events_workspace_idx").on(t.workspaceId, t.kind, t.occurredAt),
  ],
);

export type TrackingEventRow = typeof trackingEvents.$inferSelect;

/**
 * Engagement per campaign run (and per variant, for A/B tests; null: the campaign's only
 * content), kept up to date as events are recorded. `unique_*`: messages with at least one such
 * event (`unique_opens` and `unique_clicks` count people's events only; `unique_any_opens` and
 * `unique_any_clicks` people's or machines'); `total_*`: every event; `machine_*`: machines'.
 */
export const campaignEngagement = pgTable(
  "campaign_engagement",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    campaignId: uuid("campaign_id").notNull(),
    runId: uuid("run_id").notNull(),
    variant: text("variant"),
    uniqueOpens: integer("unique_opens").notNull().default(0),
    totalOpens: integer("total_opens").notNull().default(0),
    uniqueMachineOpens: integer("unique_machine_opens").notNull().default(0),
    machineOpens: integer("machine_opens").notNull().default(0),
    uniqueAnyOpens: integer("unique_any_opens").notNull().default(0),
    uniqueClicks: integer("unique_clicks").notNull().default(0),
    totalClicks: integer("total_clicks").notNull().default(0),
    uniqueMachineClicks: integer("unique_machine_clicks").notNull().default(0),
    machineClicks: integer("machine_clicks").notNull().default(0),
    uniqueAnyClicks: integer("unique_any_clicks").notNull().default(0),
    replies: integer("replies").notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("campaign_engagement_run_variant_key").on(t.campaignId, t.runId, t.variant).nullsNotDistinct(),
    index("campaign_engagement_workspace_idx").on(t.workspaceId, t.campaignId),
  ],
);

export type CampaignEngagementRow = typeof campaignEngagement.$inferSelect;
