import { z } from "zod";
import { invalid } from "@/server/lib/errors";
import {
  getBatchStatus,
  resendMessage,
  retryMessage,
  sendBatch,
  sendWithConsent,
  ZBatchStatus,
  ZBatchStatusInput,
  ZIdempotencyKey,
  ZResendMessageInput,
  ZRetryMessageInput,
  ZSendBatchInput,
  ZSendBatchResult,
  ZSendResult,
  ZSendWithConsentInput,
} from "@/server/services/messages";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

const TAGS = ["Messages"];
const send = workspaceProcedure({ scope: "messages:send", role: "marketer" });
const IDEMPOTENCY_HEADER = z.object({
  "Idempotency-Key": ZIdempotencyKey.optional().describe(
    "Equivalent to the body's idempotencyKey (up to 255 printable ASCII characters without spaces); both given and different → 400",
  ),
});

/**
 * The `Idempotency-Key` header is equivalent to the body's `idempotencyKey` (docs/contract.md, "HTTP API");
 * both given and different → 400.
 */
function withHeaderKey<T extends { idempotencyKey?: string }>(headers: Headers, input: T): T {
  const header = headers.get("idempotency-key")?.trim();
  if (!header) return input;
  const parsed = ZIdempotencyKey.safeParse(header);
  if (!parsed.success) throw invalid(`Idempotency-Key header: ${parsed.error.issues[0]!.message}`, "idempotencyKey");
  if (input.idempotencyKey !== undefined && input.idempotencyKey !== parsed.data) {
    throw invalid("The Idempotency-Key header and the body's idempotencyKey differ", "idempotencyKey");
  }
  return { ...input, idempotencyKey: parsed.data };
}

/** Sending: the one pipeline (decide → render → deliver → record). Reading messages is `messageHistory`. */
export const messagesRouter = createTRPCRouter({
  send: send
    .meta({
      openapi: {
        method: "POST",
        path: "/messages/send_with_consent",
        tags: TAGS,
        summary: "Send one message, if consent allows",
        description:
          "Decides under the contact's consent lock whether the message may go (consent for the topic on the channel, suppression list, quiet hours, frequency caps), records it with that decision, and delivers it after commit. Recipient: exactly one of `contactId`, `email`, `phone` (an address that matches no contact is recorded as blocked `no_consent`; no contact is created). Content: `templateId`, `templateKey` or inline `content`. Answers `queued`, or `blocked` with `reason` (no_consent, opted_out, suppressed, quiet_hours, frequency_cap, invalid_address, erased): a blocked message is recorded and never reaches a provider. With `deferOnQuietHours` a quiet-hours block is stored as deferred and answered `queued` with `deliverAt`. With `fallback`, a blocked or finally failed message is tried on the other channel where the contact consented. The same `idempotencyKey` (or `Idempotency-Key` header) answers the first answer again and never sends twice; reused with another body → 409. Needs the `messages:send` scope.",
        protect: true,
        requestHeaders: IDEMPOTENCY_HEADER,
      },
    })
    .input(ZSendWithConsentInput)
    .output(ZSendResult)
    .mutation(({ ctx, input }) => sendWithConsent({ ctx: ctx.svc, input: withHeaderKey(ctx.headers, input) })),

  sendBatch: send
    .meta({
      openapi: {
        method: "POST",
        path: "/messages/send_batch",
        tags: TAGS,
        summary: "Send to up to 1,000 recipients",
        description:
          'Each recipient is a single send (same rules and answers as send_with_consent); channel, topic, kind, template or content, variables and options can be given once for all and overridden per recipient. Answers the batch id and one outcome per recipient, in order; a recipient that cannot be sent to (unknown contact, malformed address, template error) has `status: "error"` and nothing recorded. With `idempotencyKey` (or the header) a repeat answers the same batch and sends nothing; reused with another body → 409. Needs the `messages:send` scope.',
        protect: true,
        requestHeaders: IDEMPOTENCY_HEADER,
      },
    })
    .input(ZSendBatchInput)
    .output(ZSendBatchResult)
    .mutation(({ ctx, input }) => sendBatch({ ctx: ctx.svc, input: withHeaderKey(ctx.headers, input) })),

  batchStatus: send
    .meta({
      openapi: {
        method: "GET",
        path: "/messages/batches/{id}",
        tags: TAGS,
        summary: "Status of a batch",
        description:
          "The batch's messages counted by current status (live), recipients refused with an error, and whether delivery is done. Needs the `messages:send` scope.",
        protect: true,
      },
    })
    .input(ZBatchStatusInput)
    .output(ZBatchStatus)
    .query(({ ctx, input }) => getBatchStatus({ ctx: ctx.svc, input })),

  retry: send
    .meta({
      openapi: {
        method: "POST",
        path: "/messages/{id}/retry",
        tags: TAGS,
        summary: "Retry a failed message",
        description:
          "Sends a failed or undelivered message again as a new message (`relation: retry`), through the same pipeline: consent is decided again. One retry per failed message: asking again answers the same retry. Another status → 409. Audited.",
        protect: true,
      },
    })
    .input(ZRetryMessageInput)
    .output(ZSendResult)
    .mutation(({ ctx, input }) => retryMessage({ ctx: ctx.svc, input })),

  resend: send
    .meta({
      openapi: {
        method: "POST",
        path: "/messages/{id}/resend",
        tags: TAGS,
        summary: "Send a message again",
        description:
          "Sends any recorded outbound message again as a new message (`relation: resend`) through the same pipeline (consent decided again). A new message per call unless `idempotencyKey` is given. Audited.",
        protect: true,
      },
    })
    .input(ZResendMessageInput)
    .output(ZSendResult)
    .mutation(({ ctx, input }) => resendMessage({ ctx: ctx.svc, input })),
});
