import type { SendingContext } from "../context";
import { deliverConfirmation, type RequestedConfirmation } from "./deliver-confirmation";
import { prepareConfirmation } from "./prepare-confirmation";
import type { TRequestConfirmationInput } from "./schemas";

/**
 * Starts double opt-in for `topicRows` on one channel: records the pending opt-in and the message
 * with the email link (48 h) or SMS code (15 min, 5 tries), then hands it to the outbox. Must not
 * run inside a caller's transaction (delivery follows the commit); callers with their own
 * transaction use `prepareConfirmation` + `deliverConfirmation`. RATE_LIMITED past 3 requests per
 * address and hour.
 */
export async function requestConfirmation({
  ctx,
  input,
}: {
  ctx: SendingContext;
  input: TRequestConfirmationInput;
}): Promise<RequestedConfirmation> {
  const prepared = await prepareConfirmation({ ctx, input });
  if (!prepared) return { confirmationId: null, channel: input.channel, method: null, sentTo: null };
  return deliverConfirmation({ ctx, input: prepared });
}
