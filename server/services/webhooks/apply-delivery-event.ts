import { messageEvents, type MessageRow } from "@/db/schema";
import type { Queryable } from "@/db/client";
import type { Clock } from "@/server/lib/clock";
import type { ServiceContext } from "../context";
import { recordConsentChange } from "../consent/record-consent";
import { applyMessageStatus } from "../messages/status";
import { suppressAddress } from "../suppressions/suppressions";
import type { DeliveryEventPayload, WebhookProvider } from "./delivery-event";

export interface ApplicableEvent extends DeliveryEventPayload {
  provider: WebhookProvider;
  type: string;
  providerMessageId: string;
  occurredAt: Date;
}

/**
 * Applies one stored provider event to its message, inside the caller's transaction:
 * the status through `applyMessageStatus` (never backwards; the timeline row is always written),
 * or a timeline-only row for opens and clicks; then the event's effect:
 * - hard bounce → the address is suppressed on email (`hard_bounce`);
 * - complaint → suppressed (`complaint`) and opted out of every marketing email topic
 *   (ledger source `provider`, evidence = the provider message id);
 * - Twilio 21610 (recipient replied STOP at the carrier) → suppressed on SMS
 *   (`provider_opt_out`) and opted out of every marketing SMS topic.
 * Callers guarantee each event is applied once (dedupe key + `applied_at` claim); the effects are
 * idempotent anyway (suppressions keep the first row, an opt-out of an opted-out topic is a no-op
 * for the projection).
 */
export async function applyDeliveryEvent(tx: Queryable, now: Clock, message: MessageRow, event: ApplicableEvent): Promise<void> {
  const detail = { provider: event.provider, type: event.type, ...event.detail };
  if (event.status) {
    const errorCode = event.detail.errorCode;
    const isFailure = event.status === "failed" || event.status === "undelivered" || event.status === "bounced";
    await applyMessageStatus(tx, {
      workspaceId: message.workspaceId,
      messageId: message.id,
      status: event.status,
      occurredAt: event.occurredAt,
      source: "webhook",
      detail,
      set: isFailure && errorCode != null ? { reason: String(errorCode) } : isFailure && event.effect ? { reason: event.effect } : undefined,
    });
  } else {
    await tx.insert(messageEvents).values({
      workspaceId: message.workspaceId,
      messageId: message.id,
      status: event.timeline,
      source: "webhook",
      detail,
      occurredAt: event.occurredAt,
    });
  }

  if (!event.effect) return;
  const ctx: ServiceContext = { db: tx, workspaceId: message.workspaceId, actor: { type: "provider", provider: event.provider }, now };
  const channel = message.channel;
  const contactId = message.contactId ?? undefined;
  // Consent before suppression: the contact's lock is taken before the audit chain's lock, the
  // order every consent writer uses, so two writers never wait on each other in a cycle.
  if ((event.effect === "complaint" || event.effect === "provider_opt_out") && contactId) {
    await recordConsentChange(ctx, {
      contactId,
      channel,
      marketingOnly: true,
      action: "opted_out",
      source: "provider",
      evidence: { providerMessageId: event.providerMessageId, note: event.effect === "complaint" ? "spam complaint" : "carrier opt-out (21610)" },
      occurredAt: event.occurredAt,
    });
  }
  if (message.addressHash) {
    await suppressAddress(tx, ctx, {
      channel,
      addressHash: message.addressHash,
      reason: event.effect,
      source: event.provider,
      note: `${event.type} on message ${message.id}`,
      contactId,
    });
  }
}
