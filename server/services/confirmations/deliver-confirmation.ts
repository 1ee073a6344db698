import type { Channel } from "@/db/schema";
import type { SendingPublicContext } from "../context";
import { deliverNow } from "../messages/deliver-now";
import type { PreparedConfirmation } from "./prepare-confirmation";

export interface RequestedConfirmation {
  /** null when every topic was already confirmed (nothing pending, nothing sent). */
  confirmationId: string | null;
  channel: Channel;
  method: "link" | "code" | null;
  /** Masked address the message went to. */
  sentTo: string | null;
}

/**
 * After commit: the outbox's first attempt at the confirmation message (awaited, so the page that
 * answers knows it left; a retryable failure is retried by the sweep). A blocked message is not
 * delivered. The answer is the same either way: the masked address it is for, so a sign-up form
 * never tells whether an address is suppressed.
 */
export async function deliverConfirmation({
  ctx,
  input: prepared,
}: {
  ctx: SendingPublicContext;
  /** What `prepareConfirmation` returned, once its transaction has committed. */
  input: PreparedConfirmation;
}): Promise<RequestedConfirmation> {
  const { confirmation } = prepared;
  if (prepared.messageStatus === "queued") await deliverNow({ ctx, input: { messageIds: [prepared.messageId] } });
  return {
    confirmationId: confirmation.id,
    channel: confirmation.channel,
    method: confirmation.method,
    sentTo: prepared.sentTo,
  };
}
