import type { MessageStatus } from "@/db/schema";
import type { DeliveryEffect, DeliveryEvent } from "@/server/providers/types";

export type { DeliveryEffect, DeliveryEvent } from "@/server/providers/types";

/** A provider's name as its transports report it (`messages.transport`, `webhook_events.provider`). */
export type WebhookProvider = string;

/**
 * A provider event reduced to what we apply. Stored as `webhook_events.payload` (no addresses,
 * no bodies), so an event for a message we do not know yet can be applied later unchanged.
 */
export interface DeliveryEventPayload {
  /** Our status to move the message to; null = timeline only (opened, clicked, delayed). */
  status: MessageStatus | null;
  /** What the message timeline shows for this event (e.g. `delivered`, `opened`). */
  timeline: string;
  effect: DeliveryEffect | null;
  /** Provider detail for the timeline: error codes, bounce type, link host… */
  detail: Record<string, unknown>;
}

/** A verified provider event as the providers parse it (`parseEvents`): what the services store and apply. */
export type NormalizedDeliveryEvent = DeliveryEvent;

export function toPayload(event: DeliveryEventPayload): Record<string, unknown> {
  return { status: event.status, timeline: event.timeline, effect: event.effect, detail: event.detail };
}

export function fromPayload(payload: Record<string, unknown>): DeliveryEventPayload {
  return {
    status: (payload.status as MessageStatus | null | undefined) ?? null,
    timeline: typeof payload.timeline === "string" ? payload.timeline : "event",
    effect: (payload.effect as DeliveryEffect | null | undefined) ?? null,
    detail: (payload.detail as Record<string, unknown> | undefined) ?? {},
  };
}
