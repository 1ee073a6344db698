import type { SendingContext } from "../context";
import { findFallback } from "./find-fallback";
import type { RecordedSend } from "./pipeline-types";
import type { TSendResult } from "./schemas";
import { sendFallbackFor } from "./send-fallback-for";

/** The API answer for a recorded send, with its fallback when one was asked for and the send was blocked. */
export async function answerFor({
  ctx,
  input: { send },
}: {
  ctx: SendingContext;
  input: { send: RecordedSend };
}): Promise<TSendResult> {
  const result: TSendResult = {
    messageId: send.messageId,
    status: send.answer.status,
    ...(send.answer.reason ? { reason: send.answer.reason as TSendResult["reason"] } : {}),
    ...(send.answer.deliverAt ? { deliverAt: send.answer.deliverAt } : {}),
  };
  if (send.fallback && send.answer.status === "blocked") {
    const fallback = send.isNew
      ? await sendFallbackFor({ ctx, input: { messageId: send.messageId } })
      : await findFallback({ ctx, input: { messageId: send.messageId } });
    if (fallback) result.fallback = fallback;
  }
  return result;
}
