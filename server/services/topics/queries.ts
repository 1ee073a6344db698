import { and, eq } from "drizzle-orm";
import { topics, type TopicRow } from "@/db/schema";
import type { Queryable } from "@/db/client";

export async function findTopicByKey(db: Queryable, workspaceId: string, key: string): Promise<TopicRow | undefined> {
  const [row] = await db
    .select()
    .from(topics)
    .where(and(eq(topics.workspaceId, workspaceId), eq(topics.key, key)));
  return row;
}
