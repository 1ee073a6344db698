import type { TopicRow } from "@/db/schema";
import type { TTopic } from "./schemas";

export function toTopic(row: TopicRow): TTopic {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    channels: [...new Set(row.channels)],
    kind: row.kind,
    requiresDoubleOptIn: row.requiresDoubleOptIn,
    archived: row.archivedAt !== null,
    createdAt: row.createdAt,
  };
}
