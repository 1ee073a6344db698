import { and, desc, eq, gte, isNotNull, sql } from "drizzle-orm";
import { messages } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { applyEngagementDelta } from "./rollup";

/** A text counts as a reply to the contact's last campaign SMS sent within this many hours. */
export const REPLY_WINDOW_HOURS = 72;

/**
 * Attributes an inbound text to the last campaign SMS sent to the contact within
 * REPLY_WINDOW_HOURS, inside the inbound handler's transaction: the message's first reply time
 * (`replied_at`) is set once and the run's roll-up counts one reply per message (a second text
 * to the same message counts nothing). Returns the message id it was attributed to, or null.
 */
export async function attributeReply(
  tx: Queryable,
  input: { workspaceId: string; contactId: string; at: Date },
): Promise<string | null> {
  const since = new Date(input.at.getTime() - REPLY_WINDOW_HOURS * 3_600_000);
  const [last] = await tx
    .select({
      id: messages.id,
      campaignId: messages.campaignId,
      runId: messages.campaignRunId,
      variant: messages.variant,
      repliedAt: messages.repliedAt,
    })
    .from(messages)
    .where(
      and(
        eq(messages.workspaceId, input.workspaceId),
        eq(messages.contactId, input.contactId),
        eq(messages.direction, "outbound"),
        eq(messages.channel, "sms"),
        isNotNull(messages.campaignRunId),
        gte(messages.createdAt, since),
        sql`coalesce(${messages.sentAt}, ${messages.createdAt}) <= ${input.at.toISOString()}::timestamptz`,
      ),
    )
    .orderBy(desc(messages.createdAt))
    .limit(1)
    .for("update");
  if (!last || !last.campaignId || !last.runId) return null;
  if (last.repliedAt) return last.id;
  await tx.update(messages).set({ repliedAt: input.at }).where(eq(messages.id, last.id));
  await applyEngagementDelta(
    tx,
    {
      workspaceId: input.workspaceId,
      campaignId: last.campaignId,
      runId: last.runId,
      variant: last.variant ?? null,
      at: input.at,
    },
    { replies: 1 },
  );
  return last.id;
}
