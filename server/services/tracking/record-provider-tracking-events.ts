import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { mapTableRows, resultRows } from "@/db/map-rows";
import { trackingEvents, type MessageRow } from "@/db/schema";
import { pgTextArray } from "@/server/lib/pg-array";
import type { TrackingEventKind } from "@/server/shared/enums";
import { classifyEvent } from "./classify";
import { DEDUPE_WINDOW_SECONDS } from "./record-tracking-event";
import { applyEngagementDelta, tally, tallyDelta, type EngagementDelta } from "./rollup";

/** One message's provider opens and clicks, in the order they occurred. */
export interface ProviderTrackingBatchItem {
  /** The message row, locked `FOR UPDATE` by the caller (with its current `sent_at`). */
  message: Pick<
    MessageRow,
    | "id"
    | "workspaceId"
    | "direction"
    | "kind"
    | "campaignId"
    | "campaignRunId"
    | "variant"
    | "sentAt"
    | "openedAt"
    | "clickedAt"
  >;
  events: { kind: TrackingEventKind; occurredAt: Date }[];
}

interface PriorEvent {
  machine: boolean;
  source: string;
  occurredAt: Date;
}

/**
 * Records the provider's own opens and clicks of many messages at once, with the rules of
 * `recordTrackingEvent` (which records one event of either source): only outbound marketing
 * messages count; an event of the other source (our pixel or link) within DEDUPE_WINDOW_SECONDS
 * is the same event and is not recorded again; each event is classified (the provider sends no
 * user agent, so only "too soon after the send" makes it a machine's); the message's first
 * person's open/click time is kept; the campaign run's roll-up moves by the difference. Provider
 * clicks name no link, so the all-links rule (ours only) never applies.
 *
 * Set-based, inside the caller's transaction, with the messages already locked by the caller
 * (the webhook drain locks its batch's messages in id order): one read of the messages' earlier
 * events, one INSERT, one UPDATE of the first-open/click times, one upsert per campaign run and
 * variant. Events of one message are taken in order, each one seeing those before it, as one call
 * of `recordTrackingEvent` after the other would.
 */
export async function recordProviderTrackingEvents(
  tx: Queryable,
  input: { items: ProviderTrackingBatchItem[]; now: Date },
): Promise<{ recorded: number }> {
  const items = input.items.filter(
    ({ message, events }) => events.length > 0 && message.direction === "outbound" && message.kind === "marketing",
  );
  if (items.length === 0) return { recorded: 0 };

  const priorRows = mapTableRows(
    trackingEvents,
    resultRows<Record<string, unknown>>(
      await tx.execute(sql`
        select * from ${trackingEvents}
         where message_id = any(${pgTextArray(items.map((i) => i.message.id))}::uuid[])`),
    ),
  );
  const prior = new Map<string, PriorEvent[]>();
  for (const row of priorRows) {
    const key = `${row.messageId}:${row.kind}`;
    let list = prior.get(key);
    if (!list) prior.set(key, (list = []));
    list.push({ machine: row.machine, source: row.source, occurredAt: row.occurredAt });
  }

  const windowMs = DEDUPE_WINDOW_SECONDS * 1000;
  const inserts: (typeof trackingEvents.$inferInsert)[] = [];
  const firstTimes: { id: string; openedAt: string | null; clickedAt: string | null }[] = [];
  const deltas = new Map<
    string,
    {
      target: { campaignId: string; runId: string; variant: string | null; workspaceId: string };
      delta: EngagementDelta;
    }
  >();

  for (const { message, events } of items) {
    const first = { open: message.openedAt, click: message.clickedAt };
    let firstChanged = false;
    for (const event of events) {
      const key = `${message.id}:${event.kind}`;
      let list = prior.get(key);
      if (!list) prior.set(key, (list = []));
      const twin = list.some(
        (e) => e.source !== "provider" && Math.abs(e.occurredAt.getTime() - event.occurredAt.getTime()) <= windowMs,
      );
      if (twin) continue;
      const before = tally(list);
      const classified = classifyEvent({
        kind: event.kind,
        userAgent: null,
        occurredAt: event.occurredAt,
        sentAt: message.sentAt,
      });
      inserts.push({
        workspaceId: message.workspaceId,
        messageId: message.id,
        linkId: null,
        kind: event.kind,
        source: "provider",
        machine: classified.machine,
        machineReason: classified.machineReason,
        userAgentClass: classified.userAgentClass,
        occurredAt: event.occurredAt,
      });
      list.push({ machine: classified.machine, source: "provider", occurredAt: event.occurredAt });
      const after = tally(list);

      // The first person's event: the earliest human one.
      if (!classified.machine) {
        const current = first[event.kind];
        if (!current || event.occurredAt.getTime() < current.getTime()) {
          first[event.kind] = event.occurredAt;
          firstChanged = true;
        }
      }
      if (message.campaignId && message.campaignRunId) {
        const variant = message.variant ?? null;
        const groupKey = `${message.campaignId}:${message.campaignRunId}:${variant ?? ""}`;
        let group = deltas.get(groupKey);
        if (!group) {
          group = {
            target: {
              campaignId: message.campaignId,
              runId: message.campaignRunId,
              variant,
              workspaceId: message.workspaceId,
            },
            delta: {},
          };
          deltas.set(groupKey, group);
        }
        const change = tallyDelta(event.kind, before, after);
        for (const [field, value] of Object.entries(change) as [keyof EngagementDelta, number][]) {
          group.delta[field] = (group.delta[field] ?? 0) + value;
        }
      }
    }
    if (firstChanged) {
      firstTimes.push({
        id: message.id,
        openedAt: first.open?.toISOString() ?? null,
        clickedAt: first.click?.toISOString() ?? null,
      });
    }
  }

  if (inserts.length > 0) await tx.insert(trackingEvents).values(inserts);
  if (firstTimes.length > 0) {
    await tx.execute(sql`
      update messages m
         set opened_at = v.opened_at, clicked_at = v.clicked_at
        from unnest(${pgTextArray(firstTimes.map((f) => f.id))}::uuid[],
                    ${pgTextArray(firstTimes.map((f) => f.openedAt))}::timestamptz[],
                    ${pgTextArray(firstTimes.map((f) => f.clickedAt))}::timestamptz[]) as v(id, opened_at, clicked_at)
       where m.id = v.id`);
  }
  for (const { target, delta } of deltas.values()) {
    await applyEngagementDelta(tx, { ...target, at: input.now }, delta);
  }
  return { recorded: inserts.length };
}
