import { boolean, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";
import { CHANNELS, TOPIC_KINDS } from "../../server/shared/enums";
import { workspaces } from "./workspaces";

export { CHANNELS, TOPIC_KINDS, type Channel, type TopicKind } from "../../server/shared/enums";

export const channelEnum = pgEnum("channel", CHANNELS);

export const topicKindEnum = pgEnum("topic_kind", TOPIC_KINDS);

/** What a contact can consent to, per channel. `key` is the stable API name. */
export const topics = pgTable(
  "topics",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    channels: channelEnum("channels").array().notNull(),
    kind: topicKindEnum("kind").notNull(),
    /** Granting consent through a hosted page needs a confirmed address (link or code). */
    requiresDoubleOptIn: boolean("requires_double_opt_in").notNull().default(false),
    archivedAt: timestampTz("archived_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("topics_workspace_key_key").on(t.workspaceId, t.key)],
);

export type TopicRow = typeof topics.$inferSelect;
