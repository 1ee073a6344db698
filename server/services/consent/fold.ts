import type { ConsentAction, ConsentSource, ConsentStatus } from "@/db/schema";

/** One ledger row as the projection sees it. */
export interface LedgerEvent {
  id: string;
  action: ConsentAction;
  source: ConsentSource;
  needsConfirmation: boolean;
  occurredAt: Date;
  recordedAt: Date;
}

export interface ProjectedState {
  status: ConsentStatus;
  source: ConsentSource;
  eventId: string;
  occurredAt: Date;
  recordedAt: Date;
}

/**
 * The consent projection rule, applied to events in the order they were recorded.
 *
 * - An opt-out always takes effect: it is never lost, whatever its timestamps.
 * - An opt-in (or confirmation) cannot undo an opt-out unless the person acted *after* we learned
 *   of that opt-out (`occurredAt > optOut.recordedAt`). So a late import, a delayed form post or a
 *   concurrent opt-in that raced the opt-out never resurrects consent.
 * - An opt-in that still needs proof of control of the address is `pending`, which is not consent;
 *   it never downgrades an existing opt-in, and it never replaces an opt-out: after a withdrawal
 *   the state stays `opted_out` until the request is confirmed (so an expired request cannot
 *   erase the opt-out from the projection either).
 * - `expired` ends a pending request and nothing else.
 *
 * Returns null when there is no state (nothing recorded, or a pending request expired).
 */
export function applyConsentEvent(current: ProjectedState | null, event: LedgerEvent): ProjectedState | null {
  const next = (status: ConsentStatus): ProjectedState => ({
    status,
    source: event.source,
    eventId: event.id,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
  });

  switch (event.action) {
    case "opted_out":
      return next("opted_out");
    case "opted_in":
    case "confirmed": {
      if (current?.status === "opted_out" && event.occurredAt.getTime() <= current.recordedAt.getTime()) return current;
      const pending = event.action === "opted_in" && event.needsConfirmation;
      if (pending) return current?.status === "opted_in" || current?.status === "opted_out" ? current : next("pending");
      return next("opted_in");
    }
    case "expired":
      return current?.status === "pending" ? null : current;
  }
}

/** Folds a contact's events (already in recorded order) into the state per key. */
export function foldConsent<K extends string>(events: (LedgerEvent & { key: K })[]): Map<K, ProjectedState> {
  const states = new Map<K, ProjectedState>();
  for (const event of events) {
    const result = applyConsentEvent(states.get(event.key) ?? null, event);
    if (result) states.set(event.key, result);
    else states.delete(event.key);
  }
  return states;
}
