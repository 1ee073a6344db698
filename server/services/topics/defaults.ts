import type { z } from "zod";
import { topics } from "@/db/schema";
import type { Queryable } from "@/db/client";
import type { ZCreateTopicInput } from "./create-topic";

/** The topics every new workspace starts with. */
export const DEFAULT_TOPICS: z.infer<typeof ZCreateTopicInput>[] = [
  {
    key: "newsletter",
    name: "Newsletter",
    description: "News and stories, about once a month.",
    channels: ["email"],
    kind: "marketing",
    requiresDoubleOptIn: true,
  },
  {
    key: "promotions",
    name: "Promotions",
    description: "Offers and sales by text message.",
    channels: ["sms"],
    kind: "marketing",
    requiresDoubleOptIn: true,
  },
  {
    key: "account-notices",
    name: "Account notices",
    description: "Receipts, security alerts and changes to your account.",
    channels: ["email", "sms"],
    kind: "transactional",
    requiresDoubleOptIn: false,
  },
];

/** Idempotent: inserts the default topics a workspace does not have yet (by key). */
export async function ensureDefaultTopics(db: Queryable, workspaceId: string, now: Date): Promise<void> {
  await db
    .insert(topics)
    .values(
      DEFAULT_TOPICS.map((t) => ({
        ...t,
        requiresDoubleOptIn: t.requiresDoubleOptIn ?? false,
        workspaceId,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .onConflictDoNothing();
}
