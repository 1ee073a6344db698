import { and, eq, sql } from "drizzle-orm";
import { messageLinks, messages, trackingEvents } from "@/db/schema";
import type { MachineReason, TrackingEventKind, TrackingSource } from "@/server/shared/enums";
import { inTransaction, type PublicContext } from "../context";
import { allLinksClicked, ALL_LINKS_SECONDS, classifyEvent } from "./classify";
import { applyEngagementDelta, tally, tallyDelta } from "./rollup";

/**
 * Our pixel and the provider's report of the same open (or click) arrive within moments of each
 * other when both track: an event of the other source for the same message and kind within this
 * window is the same event, recorded once.
 */
export const DEDUPE_WINDOW_SECONDS = 300;

export interface RecordTrackingEventInput {
  messageId: string;
  kind: TrackingEventKind;
  source: TrackingSource;
  /** The clicked link (ours); null for opens and for the provider's clicks. */
  linkId?: string | null;
  /** Read for its class only; never stored. */
  userAgent?: string | null;
  /** Default: now. The provider's events carry their own time. */
  occurredAt?: Date;
}

export type RecordTrackingEventResult =
  | { recorded: true; machine: boolean; machineReason: MachineReason | null }
  | { recorded: false; reason: "unknown_message" | "not_tracked" | "duplicate" };

interface PriorEvent {
  id: string;
  linkId: string | null;
  machine: boolean;
  source: TrackingSource;
  occurredAt: Date;
}

/**
 * Records an open or click of an outbound marketing message, in one transaction: the message row
 * is locked (events of one message are applied one at a time), its earlier events of the kind
 * read, the new one classified (machine or person: `classify.ts`) and inserted, the message's
 * first person's open/click time (`opened_at`/`clicked_at`) kept, and the campaign run's roll-up
 * moved by the difference. A click that completes an all-links burst marks the burst's earlier
 * clicks as a machine's too. An event of the other source within DEDUPE_WINDOW_SECONDS is the
 * same event: not recorded again. Unknown messages, inbound ones and non-marketing ones record
 * nothing.
 */
export async function recordTrackingEvent({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: RecordTrackingEventInput;
}): Promise<RecordTrackingEventResult> {
  const occurredAt = input.occurredAt ?? ctx.now();
  return inTransaction(ctx.db, async (tx) => {
    const [message] = await tx
      .select({
        id: messages.id,
        workspaceId: messages.workspaceId,
        direction: messages.direction,
        kind: messages.kind,
        campaignId: messages.campaignId,
        campaignRunId: messages.campaignRunId,
        variant: messages.variant,
        sentAt: messages.sentAt,
        openedAt: messages.openedAt,
        clickedAt: messages.clickedAt,
      })
      .from(messages)
      .where(eq(messages.id, input.messageId))
      .for("update");
    if (!message) return { recorded: false, reason: "unknown_message" };
    if (message.direction !== "outbound" || message.kind !== "marketing")
      return { recorded: false, reason: "not_tracked" };

    const [prior, linkCount] = await Promise.all([
      tx
        .select({
          id: trackingEvents.id,
          linkId: trackingEvents.linkId,
          machine: trackingEvents.machine,
          source: trackingEvents.source,
          occurredAt: trackingEvents.occurredAt,
        })
        .from(trackingEvents)
        .where(and(eq(trackingEvents.messageId, message.id), eq(trackingEvents.kind, input.kind))),
      input.kind === "click" && input.linkId
        ? tx
            .select({ n: sql<number>`count(*)::int` })
            .from(messageLinks)
            .where(eq(messageLinks.messageId, message.id))
            .then((rows) => Number(rows[0]?.n ?? 0))
        : Promise.resolve(0),
    ]);
    const events: PriorEvent[] = prior;

    const windowMs = DEDUPE_WINDOW_SECONDS * 1000;
    const twin = events.some(
      (e) => e.source !== input.source && Math.abs(e.occurredAt.getTime() - occurredAt.getTime()) <= windowMs,
    );
    if (twin) return { recorded: false, reason: "duplicate" };

    const before = tally(events);
    const classified = classifyEvent({
      kind: input.kind,
      userAgent: input.userAgent,
      occurredAt,
      sentAt: message.sentAt,
    });
    let machine = classified.machine;
    let machineReason = classified.machineReason;
    let reclassified: PriorEvent[] = [];
    if (
      input.kind === "click" &&
      input.linkId &&
      allLinksClicked({ linkCount, linkId: input.linkId, occurredAt, recent: events })
    ) {
      if (!machine) {
        machine = true;
        machineReason = "all_links";
      }
      const since = occurredAt.getTime() - ALL_LINKS_SECONDS * 1000;
      reclassified = events.filter((e) => !e.machine && e.occurredAt.getTime() >= since);
    }

    await tx.insert(trackingEvents).values({
      workspaceId: message.workspaceId,
      messageId: message.id,
      linkId: input.linkId ?? null,
      kind: input.kind,
      source: input.source,
      machine,
      machineReason,
      userAgentClass: classified.userAgentClass,
      occurredAt,
    });
    if (reclassified.length > 0) {
      await tx
        .update(trackingEvents)
        .set({ machine: true, machineReason: "all_links" })
        .where(
          and(
            eq(trackingEvents.messageId, message.id),
            sql`${trackingEvents.id} = any(${sql.param(reclassified.map((e) => e.id))}::uuid[])`,
          ),
        );
      for (const e of reclassified) e.machine = true;
    }
    const after = tally([...events, { machine }]);

    // The first person's event: the earliest human one (a reclassified burst may move it later).
    const humanTimes = [...events.filter((e) => !e.machine).map((e) => e.occurredAt), ...(machine ? [] : [occurredAt])];
    const firstHuman = humanTimes.length ? new Date(Math.min(...humanTimes.map((t) => t.getTime()))) : null;
    const current = input.kind === "open" ? message.openedAt : message.clickedAt;
    if ((current?.getTime() ?? null) !== (firstHuman?.getTime() ?? null)) {
      await tx
        .update(messages)
        .set(input.kind === "open" ? { openedAt: firstHuman } : { clickedAt: firstHuman })
        .where(eq(messages.id, message.id));
    }

    if (message.campaignId && message.campaignRunId) {
      await applyEngagementDelta(
        tx,
        {
          workspaceId: message.workspaceId,
          campaignId: message.campaignId,
          runId: message.campaignRunId,
          variant: message.variant ?? null,
          at: ctx.now(),
        },
        tallyDelta(input.kind, before, after),
      );
    }
    return { recorded: true, machine, machineReason };
  });
}
