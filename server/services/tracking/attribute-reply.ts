import { sql } from "drizzle-orm";
import { messages } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { pgTextArray } from "@/server/lib/pg-array";
import { applyEngagementDelta } from "./rollup";

/** A text counts as a reply to the contact's last campaign SMS sent within this many hours. */
export const REPLY_WINDOW_HOURS = 72;

/** An inbound text from a known contact, received `at`. */
export interface ReplyToAttribute {
  workspaceId: string;
  contactId: string;
  at: Date;
}

/**
 * Attributes an inbound text to the last campaign SMS sent to the contact within
 * REPLY_WINDOW_HOURS, inside the inbound handler's transaction: the message's first reply time
 * (`replied_at`) is set once and the run's roll-up counts one reply per message (a second text
 * to the same message counts nothing). Returns the message id it was attributed to, or null.
 */
export async function attributeReply(tx: Queryable, input: ReplyToAttribute): Promise<string | null> {
  const [attributed] = await attributeReplies(tx, [input]);
  return attributed ?? null;
}

/**
 * `attributeReply` for many texts at once, in three statements whatever their number (plus one
 * roll-up upsert per campaign run and variant that gained replies): the last campaign SMS of each
 * text's contact, then `replied_at` set where it is still null (the claim: a concurrent handler
 * that set it first wins, and a message gains one reply however many texts answer it; the
 * earliest text of the batch sets the time), then the roll-ups. Answers, per text in order, the
 * message it was attributed to, or null.
 */
export async function attributeReplies(
  tx: Queryable,
  replies: readonly ReplyToAttribute[],
): Promise<(string | null)[]> {
  if (replies.length === 0) return [];
  const found = resultRows<{
    ord: string | number;
    id: string;
    campaign_id: string | null;
    campaign_run_id: string;
    variant: string | null;
  }>(
    await tx.execute(sql`
      select k.ord, m.id, m.campaign_id, m.campaign_run_id, m.variant
      from unnest(
        ${pgTextArray(replies.map((r) => r.workspaceId))}::uuid[],
        ${pgTextArray(replies.map((r) => r.contactId))}::uuid[],
        ${pgTextArray(replies.map((r) => r.at.toISOString()))}::timestamptz[]
      ) with ordinality as k(workspace_id, contact_id, at, ord)
      cross join lateral (
        select id, campaign_id, campaign_run_id, variant
        from ${messages} m
        where m.workspace_id = k.workspace_id and m.contact_id = k.contact_id
          and m.direction = 'outbound' and m.channel = 'sms' and m.campaign_run_id is not null
          and m.created_at >= k.at - ${REPLY_WINDOW_HOURS}::int * interval '1 hour'
          and coalesce(m.sent_at, m.created_at) <= k.at
        order by m.created_at desc
        limit 1
      ) m`),
  );
  const attributed: (string | null)[] = replies.map(() => null);
  // The earliest text answering each message sets its reply time.
  const firstReply = new Map<string, { at: Date; target: (typeof found)[number] }>();
  for (const row of found) {
    if (!row.campaign_id) continue;
    const reply = replies[Number(row.ord) - 1]!;
    attributed[Number(row.ord) - 1] = row.id;
    const seen = firstReply.get(row.id);
    if (!seen || reply.at < seen.at) firstReply.set(row.id, { at: reply.at, target: row });
  }
  if (firstReply.size === 0) return attributed;

  // Row locks in id order, so two batches answering the same messages never wait in a cycle.
  const claims = [...firstReply.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  const claimed = resultRows<{ id: string }>(
    await tx.execute(sql`
      update ${messages} m set replied_at = u.at
      from unnest(
        ${pgTextArray(claims.map(([id]) => id))}::uuid[],
        ${pgTextArray(claims.map(([, c]) => c.at.toISOString()))}::timestamptz[]
      ) as u(id, at)
      where m.id = u.id and m.replied_at is null
      returning m.id`),
  );
  const rollups = new Map<
    string,
    { workspaceId: string; campaignId: string; runId: string; variant: string | null; at: Date; replies: number }
  >();
  for (const { id } of claimed) {
    const { at, target } = firstReply.get(id)!;
    const key = `${target.campaign_run_id}:${target.variant ?? ""}`;
    const rollup = rollups.get(key);
    if (rollup) {
      rollup.replies++;
      if (at > rollup.at) rollup.at = at;
    } else {
      const workspaceId = replies[Number(target.ord) - 1]!.workspaceId;
      rollups.set(key, {
        workspaceId,
        campaignId: target.campaign_id!,
        runId: target.campaign_run_id,
        variant: target.variant,
        at,
        replies: 1,
      });
    }
  }
  for (const [, { replies: count, ...rollup }] of [...rollups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
    await applyEngagementDelta(tx, rollup, { replies: count });
  return attributed;
}
