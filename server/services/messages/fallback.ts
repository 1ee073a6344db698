import type { Channel, MessageRow } from "@/db/schema";
import { firstAnswer } from "./record-answers";
import type { TSendResult } from "./schemas";

/** What a send answers about its fallback (see `sendFallback`). */
export type FallbackAnswer = NonNullable<TSendResult["fallback"]>;

export const otherChannel = (channel: Channel): Channel => (channel === "sms" ? "email" : "sms");

/** The idempotency key of a message's fallback: at most one per message, whoever asks. */
export const fallbackKey = (messageId: string) => `~fallback:${messageId}`;

export function toFallbackAnswer(
  row: Pick<MessageRow, "id" | "channel" | "status" | "reason" | "decision" | "options">,
): FallbackAnswer {
  const answer = firstAnswer(row);
  return {
    messageId: row.id,
    channel: row.channel,
    status: answer.status,
    ...(answer.reason ? { reason: answer.reason } : {}),
  };
}
