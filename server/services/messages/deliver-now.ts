import { inArray } from "drizzle-orm";
import { messages, type MessageStatus } from "@/db/schema";
import { logger } from "@/server/lib/logger";
import type { DeliveryDeps } from "./deliver";

export interface DeliveredState {
  status: MessageStatus;
  /** `log` when recorded instead of sent (no provider configured); null before any attempt. */
  transport: string | null;
}

/**
 * The outbox's first attempt for messages a person is waiting on (a double opt-in confirmation,
 * an invitation, a sign-in link), awaited: the page that answers them can say whether the message
 * went out. Same path as every send (`deliverMessages`: atomic claim, late suppression check,
 * the provider with the message id as idempotency key, `sent` recorded with the provider id), so
 * a retryable failure is retried with backoff by the sweep and status webhooks apply to it.
 *
 * Call it after commit only. Inside a transaction nothing is delivered (the sweep picks the rows
 * up once committed). Never throws: a delivery that could not run is left to the sweep. Returns
 * each message's status and transport after the attempt (absent when unreadable).
 */
export async function deliverNow({
  ctx: deps,
  input: { messageIds },
}: {
  ctx: DeliveryDeps;
  input: { messageIds: string[] };
}): Promise<Map<string, DeliveredState>> {
  const states = new Map<string, DeliveredState>();
  if (messageIds.length === 0 || "rollback" in deps.db) return states;
  try {
    // Loaded on first use, like the in-process dispatcher: callers should not pay for the provider SDKs up front.
    const { deliverMessages } = await import("./deliver");
    await deliverMessages({ ctx: deps, input: { messageIds } });
    const rows = await deps.db
      .select({ id: messages.id, status: messages.status, transport: messages.transport })
      .from(messages)
      .where(inArray(messages.id, messageIds));
    for (const row of rows) states.set(row.id, { status: row.status, transport: row.transport });
  } catch (error) {
    logger.error(
      { err: error, count: messageIds.length },
      "delivering just-recorded messages failed; the sweep will retry them",
    );
  }
  return states;
}
