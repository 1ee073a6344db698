import type { SendingContext } from "../context";
import { answerFor } from "./answer-for";
import { dispatchMessages } from "./dispatch-messages";
import { recordSendGrouped } from "./record-sends-grouped";
import { ZSendWithConsentInput, type TSendResult, type TSendWithConsentInput } from "./schemas";
import { toSendRequest } from "./send-request";

/**
 * `POST /messages/send_with_consent`: one message to one contact (by id, email or phone) on one
 * channel for one topic, through the pipeline: decide and record in one transaction under the
 * contact's consent lock (see `recordSends`; concurrent sends of the workspace share it, see
 * `recordSendGrouped`), deliver after commit.
 *
 * Answers `{ messageId, status, reason? }`: `queued` (accepted; delivery follows at once),
 * `blocked` with the reason (recorded, never sent), or `queued` with `deliverAt` when
 * `deferOnQuietHours` deferred it. An email or phone that matches no contact is recorded as
 * blocked `no_consent` (no contact is created: a send is not a sign-up).
 *
 * Idempotent with `idempotencyKey`: the same key answers the first answer again (same message,
 * status and reason) and sends nothing; the same key with another request → CONFLICT (409).
 * Errors: unknown topic or malformed address → INVALID; unknown contact or template → NOT_FOUND;
 * a template that does not render or fails the compliance check → INVALID. Not audited (every
 * send has its own timeline of message events instead).
 */
export async function sendWithConsent({
  ctx,
  input,
}: {
  ctx: SendingContext;
  input: TSendWithConsentInput;
}): Promise<TSendResult> {
  const parsed = ZSendWithConsentInput.parse(input);
  // Recorded together with the concurrent sends of the workspace (one transaction for all of them).
  const outcome = await recordSendGrouped(ctx, toSendRequest(parsed));
  if (!outcome.ok) throw outcome.error;
  const send = outcome.send;
  if (send.isNew && send.status === "queued")
    dispatchMessages({ ctx, input: { messages: [{ id: send.messageId, workspaceId: send.workspaceId }] } });
  return answerFor({ ctx, input: { send } });
}
