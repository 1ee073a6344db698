import { and, eq, sql } from "drizzle-orm";
import { messages, webhookEvents, type MessageRow } from "@/db/schema";
import { inTransaction, type JobContext } from "../context";
import { toPayload, type NormalizedDeliveryEvent } from "./delivery-event";
import { lockProviderMessage } from "./lock";
import { applyUnappliedEvents } from "./apply-unapplied-events";

export type IngestOutcome = "duplicate" | "applied" | "pending";

export interface IngestResult {
  outcome: IngestOutcome;
  /** The message, when this event (or an older one applied with it) moved it to a failure: for the outbox's final-failure handling after commit. */
  failed: MessageRow | null;
}

/**
 * Stores a verified provider event once and applies it, in one transaction:
 * - the dedupe key (per provider) is unique: a second delivery of the same event inserts nothing
 *   and changes nothing (`duplicate`);
 * - when its message is known (transport = provider, provider message id), the event — with any
 *   older one still waiting for that message — is applied in occurred order (status never
 *   backwards, bounce/complaint effects) and marked applied (`applied`);
 * - otherwise it is kept with `applied_at` null (`pending`) and applied by
 *   `applyPendingWebhookEvents` when the send pipeline records that provider id.
 * The per-message advisory lock shared with `applyPendingWebhookEvents` closes the race between
 * the two. Only normalised fields are stored (no addresses, no bodies).
 * Call it outside a transaction when `failed` is to be acted on (see `receiveDeliveryWebhook`).
 */
export async function ingestDeliveryEvent({
  ctx,
  input: event,
}: {
  ctx: JobContext;
  input: NormalizedDeliveryEvent;
}): Promise<IngestResult> {
  return inTransaction(ctx.db, async (tx) => {
    const receivedAt = ctx.now();
    // Outbound only: provider ids of outbound messages are globally unique; an inbound MessageSid may
    // be recorded in several workspaces and never gets a status event.
    const sameMessage = and(
      eq(messages.transport, event.provider),
      eq(messages.providerMessageId, event.providerMessageId),
      eq(messages.direction, "outbound"),
    );
    // One round trip: the lock is handed to the connection first; the lookup and the insert run
    // after it is granted (the server executes them in order), so they see any message or event
    // committed by whoever held the lock before us.
    const locked = lockProviderMessage(tx, event.provider, event.providerMessageId);
    const [, found, inserted] = await Promise.all([
      locked,
      tx.select().from(messages).where(sameMessage).limit(1),
      tx
        .insert(webhookEvents)
        .values({
          workspaceId: sql`(select ${messages.workspaceId} from ${messages} where ${sameMessage} limit 1)`,
          provider: event.provider,
          dedupeKey: event.dedupeKey,
          type: event.type,
          providerMessageId: event.providerMessageId,
          payload: toPayload(event),
          occurredAt: event.occurredAt,
          receivedAt,
        })
        .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.dedupeKey] })
        .returning({ id: webhookEvents.id }),
    ]);
    const message = found[0];
    if (!inserted[0]) return { outcome: "duplicate", failed: null };
    if (!message) return { outcome: "pending", failed: null };
    const { failed } = await applyUnappliedEvents({
      ctx: { db: tx, now: ctx.now },
      input: { message, provider: event.provider },
    });
    return { outcome: "applied", failed: failed ? message : null };
  });
}
