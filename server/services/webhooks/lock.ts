import { lockKeysInOrder } from "@/server/lib/advisory-locks";
import type { Queryable } from "@/db/client";

/**
 * Serialises everything that touches the delivery events of one provider message: the webhook
 * that stores an event and looks for its message, and the send pipeline that records the
 * provider id and applies what was waiting. Whichever commits second sees the other's row, so an
 * event that raced its message is never left pending. Transaction-scoped.
 */
export async function lockProviderMessage(tx: Queryable, provider: string, providerMessageId: string): Promise<void> {
  await lockKeysInOrder(tx, [providerMessageLockKey(provider, providerMessageId)]);
}

/** The advisory-lock key of one provider message (see `lockKeysInOrder`). */
export function providerMessageLockKey(provider: string, providerMessageId: string): string {
  return `webhook:${provider}:${providerMessageId}`;
}
