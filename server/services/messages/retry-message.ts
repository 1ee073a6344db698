import { and, eq } from "drizzle-orm";
import { messages, type MessageRow } from "@/db/schema";
import { AppError, invalid, notFound } from "@/server/lib/errors";
import { isStatusIn, RETRYABLE_STATUSES } from "@/server/shared/enums";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type SendingContext, type ServiceContext } from "../context";
import { dispatchMessages } from "./dispatch";
import { decryptField, decryptRequest, requestHash } from "./message-secrets";
import { recordSends, type MessageOptions } from "./pipeline";
import type { MessageRelation, Recipient, RecordedSend } from "./pipeline-types";
import { ZResendMessageInput, ZRetryMessageInput, type TSendResult } from "./schemas";
import { answerFor } from "./send-with-consent";

/** Statuses a retry may start from: the provider gave up on the message. */

async function loadOutbound(ctx: ServiceContext, id: string): Promise<MessageRow> {
  const [row] = await ctx.db
    .select()
    .from(messages)
    .where(and(eq(messages.id, id), eq(messages.workspaceId, ctx.workspaceId)));
  if (!row || row.direction !== "outbound") throw notFound("Message");
  return row;
}

function recipientOf(row: MessageRow): Recipient {
  if (row.contactId) return { contactId: row.contactId };
  const address = decryptField(row.addressCiphertext, "address");
  if (!address) throw invalid("This message has no recipient to send to again", "id");
  return row.channel === "email" ? { email: address } : { phone: address };
}

/**
 * Runs a recorded message's original request (recipient, channel, topic, kind, content source,
 * variables) through the pipeline again as a new message with `parent_message_id` and
 * `relation`. Consent, suppression and quiet hours are decided again, so a contact who opted out
 * since is blocked, not messaged. Audited (`message.retried` / `message.resent`) in the
 * transaction that records the new message; delivery starts after commit.
 */
async function rerun(ctx: SendingContext, parent: MessageRow, relation: MessageRelation, key: string | null): Promise<TSendResult> {
  if (parent.kind === "system" || (parent.options as MessageOptions).purpose) {
    throw new AppError(
      "CONFLICT",
      "Confirmation requests, invitations and sign-in links are not sent again as they were: ask for a new one (resend the confirmation, invite again, request a new link)",
    );
  }
  const stored = decryptRequest((parent.options as { request?: unknown }).request);
  if (!stored || !parent.topicKey) throw invalid("This message was not sent by the pipeline and cannot be sent again", "id");
  const options = parent.options as { fallback?: boolean; deferOnQuietHours?: boolean };
  const send = await inTransaction(ctx.db, async (tx): Promise<RecordedSend> => {
    const [outcome] = await recordSends({ ...ctx, db: tx }, [
      {
        recipient: recipientOf(parent),
        channel: parent.channel,
        topicKey: parent.topicKey!,
        kind: parent.kind === "transactional" ? "transactional" : "marketing",
        source: stored.source,
        variables: stored.variables,
        idempotencyKey: key,
        requestHash: requestHash({ [relation]: parent.id }),
        fallback: relation === "retry" ? Boolean(options.fallback) : false,
        deferOnQuietHours: Boolean(options.deferOnQuietHours),
        parentMessageId: parent.id,
        relation,
      },
    ]);
    if (!outcome!.ok) throw outcome!.error;
    if (outcome!.send.isNew) {
      await writeAudit(tx, ctx, {
        action: relation === "retry" ? "message.retried" : "message.resent",
        targetType: "message",
        targetId: outcome!.send.messageId,
        after: { parentMessageId: parent.id, channel: parent.channel, topic: parent.topicKey, status: outcome!.send.status },
      });
    }
    return outcome!.send;
  });
  if (send.isNew && send.status === "queued") dispatchMessages(ctx, [{ id: send.messageId, workspaceId: send.workspaceId }]);
  return answerFor(ctx, send);
}

/**
 * Retries a message the provider failed (`failed` or `undelivered`) as a new message (relation
 * `retry`). Idempotent: one retry per failed message (key `~retry:<id>`); asking again answers
 * that retry. Another status → CONFLICT.
 */
export async function retryMessage({ ctx, input }: { ctx: SendingContext; input: { id: string } }): Promise<TSendResult> {
  const { id } = ZRetryMessageInput.parse(input);
  const parent = await loadOutbound(ctx, id);
  if (!isStatusIn(RETRYABLE_STATUSES, parent.status)) throw new AppError("CONFLICT", `Only failed messages can be retried; this one is ${parent.status}`);
  return rerun(ctx, parent, "retry", `~retry:${parent.id}`);
}

/**
 * Sends a recorded outbound message again, whatever its status, as a new message (relation
 * `resend`). Each call is a new message unless `idempotencyKey` is given.
 */
export async function resendMessage({ ctx, input }: { ctx: SendingContext; input: { id: string; idempotencyKey?: string } }): Promise<TSendResult> {
  const parsed = ZResendMessageInput.parse(input);
  const parent = await loadOutbound(ctx, parsed.id);
  return rerun(ctx, parent, "resend", parsed.idempotencyKey ?? null);
}
