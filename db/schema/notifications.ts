import { sql } from "drizzle-orm";
import {
  boolean,
  foreignKey,
  index,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { NOTIFICATION_KINDS } from "../../server/shared/enums";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";
import { memberships, workspaces } from "./workspaces";

export { NOTIFICATION_KINDS, type NotificationKind } from "../../server/shared/enums";

export const notificationKindEnum = pgEnum("notification_kind", NOTIFICATION_KINDS);

/**
 * In-app notifications, one row per member (workspace × user) and event. Title and body name
 * campaigns, imports, endpoints and counts, never a contact's address. `dedupe_key` is the
 * producer's name for the event (`campaign-run:<id>:completed`): unique per member, so a retried
 * job notifies once. Removing a member removes their notifications (the membership FK cascades).
 */
export const notifications = pgTable(
  "notifications",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull(),
    kind: notificationKindEnum("kind").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    /** An app path (`/campaigns/<id>`), never an absolute URL. */
    link: text("link"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    dedupeKey: text("dedupe_key").notNull(),
    createdAt: createdAt(),
    readAt: timestampTz("read_at"),
  },
  (t) => [
    foreignKey({
      name: "notifications_membership_fk",
      columns: [t.workspaceId, t.userId],
      foreignColumns: [memberships.workspaceId, memberships.userId],
    }).onDelete("cascade"),
    uniqueIndex("notifications_member_dedupe_key").on(t.workspaceId, t.userId, t.dedupeKey),
    /** The list, newest first (keyset pagination on created_at, id). */
    index("notifications_member_created_idx").on(t.workspaceId, t.userId, t.createdAt, t.id),
    /** The bell's unread count: only unread rows are in it. */
    index("notifications_member_unread_idx")
      .on(t.workspaceId, t.userId, t.createdAt)
      .where(sql`${t.readAt} is null`),
    /** Retention: the nightly prune walks the oldest rows. */
    index("notifications_created_idx").on(t.createdAt),
  ],
);

export type NotificationRow = typeof notifications.$inferSelect;

/**
 * A member's choice per kind (in the app, by email). No row = the catalogue's defaults
 * (`server/shared/notifications.ts`), so a new kind needs no backfill. A table rather than a jsonb
 * on the membership: the fan-out joins it in one INSERT … SELECT on its primary key, each kind is
 * a typed row (the enum checks it), and changing one kind never rewrites the others.
 */
export const notificationPreferences = pgTable(
  "notification_preferences",
  {
    workspaceId: uuid("workspace_id").notNull(),
    userId: uuid("user_id").notNull(),
    kind: notificationKindEnum("kind").notNull(),
    inApp: boolean("in_app").notNull(),
    email: boolean("email").notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId, t.kind] }),
    foreignKey({
      name: "notification_preferences_membership_fk",
      columns: [t.workspaceId, t.userId],
      foreignColumns: [memberships.workspaceId, memberships.userId],
    }).onDelete("cascade"),
  ],
);

export type NotificationPreferenceRow = typeof notificationPreferences.$inferSelect;
