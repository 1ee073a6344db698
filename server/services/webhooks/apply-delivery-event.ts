import { messageEvents, type MessageRow } from "@/db/schema";
import { FAILED_STATUSES, isStatusIn } from "@/server/shared/enums";
import type { JobContext, ServiceContext } from "../context";
import { recordConsentChange } from "../consent/record-consent-change";
import { decryptField } from "../messages/message-secrets";
import { applyMessageStatus } from "../messages/status";
import { suppressAddress, type TSuppressAddressInput } from "../suppressions/suppress-address";
import { recordTrackingEvent } from "../tracking/record-tracking-event";
import { type DeliveryEffect, type DeliveryEventPayload, type WebhookProvider } from "./delivery-event";

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
 * - provider opt-out (the recipient opted out at the provider or carrier, e.g. replied STOP to the
 *   sender there) → suppressed on the message's channel (`provider_opt_out`) and opted out of
 *   every marketing topic of that channel.
 * Callers guarantee each event is applied once (dedupe key + `applied_at` claim); the effects are
 * idempotent anyway (suppressions keep the first row, an opt-out of an opted-out topic is a no-op
 * for the projection).
 *
 * Returns `failed: true` when the event moved the message to a failure (`failed`, `undelivered`,
 * `bounced`): a failure learned after the hand-over, for the caller to pass to the outbox's final
 * failure handling (channel fallback) once its transaction has committed.
 */
export async function applyDeliveryEvent({
  ctx,
  input,
}: {
  ctx: JobContext;
  input: { message: MessageRow; event: ApplicableEvent };
}): Promise<{ failed: boolean }> {
  const result = await applyDeliveryEventToMessage({ ctx, input });
  await applyDeliveryEventEffect({ ctx, input });
  return result;
}

/**
 * The message half of `applyDeliveryEvent`: the status move (never backwards) and its timeline
 * row, or the timeline-only row (and the provider's open/click count). Touches only this message's
 * rows, so the drain runs it for many messages at once on one transaction.
 */
export async function applyDeliveryEventToMessage({
  ctx: { db: tx, now },
  input: { message, event },
}: {
  ctx: JobContext;
  input: { message: MessageRow; event: ApplicableEvent };
}): Promise<{ failed: boolean }> {
  const detail = { provider: event.provider, type: event.type, ...event.detail };
  let failed = false;
  if (event.status) {
    const errorCode = event.detail.errorCode;
    const isFailure = isStatusIn(FAILED_STATUSES, event.status);
    const { changed } = await applyMessageStatus(tx, {
      workspaceId: message.workspaceId,
      messageId: message.id,
      status: event.status,
      occurredAt: event.occurredAt,
      source: "webhook",
      detail,
      set:
        isFailure && errorCode != null
          ? { reason: String(errorCode) }
          : isFailure && event.effect
            ? { reason: event.effect }
            : undefined,
    });
    failed = isFailure && changed;
  } else {
    await tx.insert(messageEvents).values({
      workspaceId: message.workspaceId,
      messageId: message.id,
      status: event.timeline,
      source: "webhook",
      detail,
      occurredAt: event.occurredAt,
    });
    // The provider's own open and click tracking: counted like ours, once (deduplicated against ours).
    if (event.timeline === "opened" || event.timeline === "clicked") {
      await recordTrackingEvent({
        ctx: { db: tx, now },
        input: {
          messageId: message.id,
          kind: event.timeline === "opened" ? "open" : "click",
          source: "provider",
          occurredAt: event.occurredAt,
        },
      });
    }
  }

  return { failed };
}

/**
 * The effect half of `applyDeliveryEvent` (bounce, complaint, provider opt-out): suppression and
 * consent, audited as the provider. Takes contact and audit-chain locks, so callers run effects
 * one at a time.
 */
export async function applyDeliveryEventEffect({
  ctx: { db: tx, now },
  input: { message, event },
}: {
  ctx: JobContext;
  input: { message: MessageRow; event: ApplicableEvent };
}): Promise<void> {
  if (!event.effect) return;
  const ctx: ServiceContext = {
    db: tx,
    workspaceId: message.workspaceId,
    actor: { type: "provider", provider: event.provider },
    now,
  };
  const channel = message.channel;
  const contactId = message.contactId ?? undefined;
  // Consent before suppression: the contact's lock is taken before the audit chain's lock, the
  // order every consent writer uses, so two writers never wait on each other in a cycle.
  if ((event.effect === "complaint" || event.effect === "provider_opt_out") && contactId) {
    await recordConsentChange({
      ctx,
      input: {
        contactId,
        channel,
        marketingOnly: true,
        action: "opted_out",
        source: "provider",
        evidence: {
          providerMessageId: event.providerMessageId,
          note:
            event.effect === "complaint"
              ? "spam complaint"
              : `carrier opt-out (${event.provider}${event.detail.errorCode != null ? ` ${String(event.detail.errorCode)}` : ""})`,
        },
        occurredAt: event.occurredAt,
      },
    });
  }
  if (message.addressHash) {
    await suppressAddress({ ctx, input: effectSuppression(message, event, event.effect) });
  }
}

/**
 * The suppression a bounce, complaint or provider opt-out writes for the message's address (the
 * caller checks `message.addressHash`): reason = the effect, source = the provider.
 */
export function effectSuppression(
  message: MessageRow,
  event: ApplicableEvent,
  effect: DeliveryEffect,
): TSuppressAddressInput {
  return {
    channel: message.channel,
    addressHash: message.addressHash!,
    address: decryptField(message.addressCiphertext, "address"),
    reason: effect,
    source: event.provider,
    note: `${event.type} on message ${message.id}`,
    contactId: message.contactId ?? undefined,
  };
}
