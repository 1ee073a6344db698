import { date, integer, pgTable, primaryKey, text, unique, uuid } from "drizzle-orm/pg-core";
import { timestampTz } from "./_columns";
import { channelEnum } from "./topics";
import { workspaces } from "./workspaces";

/**
 * The delivery section of the analytics dashboard materialised per day of the workspace's zone
 * (`rollupAnalyticsDays`): one row per workspace, day, channel, topic (null for messages without
 * one) and blocked reason (`''` for every message the policy did not block, and for a block
 * without a reason), with the same counts the live statement computes. Derived data: the nightly
 * job deletes and re-inserts whole days, so it never needs editing by hand.
 */
export const analyticsDaily = pgTable(
  "analytics_daily",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    channel: channelEnum("channel").notNull(),
    topicId: uuid("topic_id"),
    reason: text("reason").notNull().default(""),
    sent: integer("sent").notNull().default(0),
    delivered: integer("delivered").notNull().default(0),
    bounced: integer("bounced").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    complained: integer("complained").notNull().default(0),
    blocked: integer("blocked").notNull().default(0),
  },
  (t) => [unique("analytics_daily_key").on(t.workspaceId, t.day, t.channel, t.topicId, t.reason).nullsNotDistinct()],
);

/**
 * The consent trend materialised per day of the workspace's zone: opt-ins and opt-outs of each
 * channel × topic on the day the person acted, counted the way the live fold counts them.
 */
export const analyticsConsentDaily = pgTable(
  "analytics_consent_daily",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    channel: channelEnum("channel").notNull(),
    topicId: uuid("topic_id").notNull(),
    optIns: integer("opt_ins").notNull().default(0),
    optOuts: integer("opt_outs").notNull().default(0),
  },
  (t) => [unique("analytics_consent_daily_key").on(t.workspaceId, t.day, t.channel, t.topicId)],
);

/**
 * The days the roll-up has computed per workspace (a day without traffic has no counts but is
 * still computed): a reader may take a past day from the roll-up only when it is listed here.
 */
export const analyticsRollupDays = pgTable(
  "analytics_rollup_days",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    computedAt: timestampTz("computed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.day] })],
);

/**
 * Per workspace, what the last nightly roll-up guarantees: every day from `consent_from_day` (the
 * day of the ledger's first event, null for an empty ledger) up to the day it ran for was computed
 * in `timezone`, with every consent event recorded before `rolled_at`. A reader takes the consent
 * trend from the roll-up only while that holds (same zone, no event recorded since for a stored day).
 */
export const analyticsRollupState = pgTable("analytics_rollup_state", {
  workspaceId: uuid("workspace_id")
    .primaryKey()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  timezone: text("timezone").notNull(),
  consentFromDay: date("consent_from_day", { mode: "string" }),
  rolledAt: timestampTz("rolled_at").notNull(),
});
