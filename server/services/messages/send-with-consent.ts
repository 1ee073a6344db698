import type { SendingContext } from "../context";
import { dispatchMessages } from "./dispatch";
import { findFallback, sendFallbackFor } from "./fallback";
import { requestHash } from "./message-secrets";
import { recordSends } from "./pipeline";
import type { RecordedSend, SendRequest } from "./pipeline-types";
import { ZSendWithConsentInput, type TSendResult, type TSendWithConsentInput, type TSendWithConsentParsed } from "./schemas";

/** A parsed send (single, or a batch item merged with the batch's shared fields) as the pipeline takes it. */
export function toSendRequest(parsed: TSendWithConsentParsed, overrides: Partial<SendRequest> = {}): SendRequest {
  return {
    recipient: parsed.contactId ? { contactId: parsed.contactId } : parsed.email !== undefined ? { email: parsed.email } : { phone: parsed.phone! },
    channel: parsed.channel,
    topicKey: parsed.topic,
    kind: parsed.kind,
    source: parsed.templateId ? { templateId: parsed.templateId } : parsed.templateKey ? { templateKey: parsed.templateKey } : { content: parsed.content! },
    variables: parsed.variables,
    idempotencyKey: parsed.idempotencyKey ?? null,
    requestHash: requestHash(parsed as unknown as Record<string, unknown>),
    fallback: parsed.fallback,
    deferOnQuietHours: parsed.deferOnQuietHours,
    ...overrides,
  };
}

/** The API answer for a recorded send, with its fallback when one was asked for and the send was blocked. */
export async function answerFor(ctx: SendingContext, send: RecordedSend): Promise<TSendResult> {
  const result: TSendResult = {
    messageId: send.messageId,
    status: send.answer.status,
    ...(send.answer.reason ? { reason: send.answer.reason as TSendResult["reason"] } : {}),
    ...(send.answer.deliverAt ? { deliverAt: send.answer.deliverAt } : {}),
  };
  if (send.fallback && send.answer.status === "blocked") {
    const fallback = send.isNew ? await sendFallbackFor(ctx, send.messageId) : await findFallback(ctx, send.messageId);
    if (fallback) result.fallback = fallback;
  }
  return result;
}

/**
 * `POST /messages/send_with_consent`: one message to one contact (by id, email or phone) on one
 * channel for one topic, through the pipeline: decide and record in one transaction under the
 * contact's consent lock (see `recordSends`), deliver after commit.
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
export async function sendWithConsent({ ctx, input }: { ctx: SendingContext; input: TSendWithConsentInput }): Promise<TSendResult> {
  const parsed = ZSendWithConsentInput.parse(input);
  const [outcome] = await recordSends(ctx, [toSendRequest(parsed)]);
  if (!outcome!.ok) throw outcome!.error;
  const send = outcome!.send;
  if (send.isNew && send.status === "queued") dispatchMessages(ctx, [{ id: send.messageId, workspaceId: send.workspaceId }]);
  return answerFor(ctx, send);
}
