import type { MessageRow } from "@/db/schema";
import { AppError, invalid } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type SendingContext } from "../context";
import { answerFor } from "./answer-for";
import { dispatchMessages } from "./dispatch-messages";
import { decryptField, decryptRequest, requestHash } from "./message-secrets";
import type { MessageRelation, Recipient, RecordedSend } from "./pipeline-types";
import type { MessageOptions } from "./record-answers";
import { recordSends } from "./record-sends";
import type { TSendResult } from "./schemas";

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
export async function rerunMessage({
  ctx,
  input: { parent, relation, key },
}: {
  ctx: SendingContext;
  input: { parent: MessageRow; relation: MessageRelation; key: string | null };
}): Promise<TSendResult> {
  if (parent.kind === "system" || (parent.options as MessageOptions).purpose) {
    throw new AppError(
      "CONFLICT",
      "Confirmation requests, invitations and sign-in links are not sent again as they were: ask for a new one (resend the confirmation, invite again, request a new link)",
    );
  }
  const stored = decryptRequest((parent.options as { request?: unknown }).request);
  if (!stored || !parent.topicKey)
    throw invalid("This message was not sent by the pipeline and cannot be sent again", "id");
  const options = parent.options as { fallback?: boolean; deferOnQuietHours?: boolean };
  const send = await inTransaction(ctx.db, async (tx): Promise<RecordedSend> => {
    const [outcome] = await recordSends({
      ctx: { ...ctx, db: tx },
      input: {
        requests: [
          {
            recipient: recipientOf(parent),
            channel: parent.channel,
            topicKey: parent.topicKey!,
            kind: parent.kind === "transactional" ? "transactional" : "marketing",
            source: stored.source,
            variables: stored.variables,
            ...(stored.utm ? { utm: stored.utm } : {}),
            ...(stored.attachmentIds?.length ? { attachmentIds: stored.attachmentIds } : {}),
            ...(stored.fileLinks?.length ? { fileLinks: stored.fileLinks } : {}),
            ...(stored.webVersion ? { webVersion: true } : {}),
            idempotencyKey: key,
            requestHash: requestHash({ [relation]: parent.id }),
            fallback: relation === "retry" ? Boolean(options.fallback) : false,
            deferOnQuietHours: Boolean(options.deferOnQuietHours),
            parentMessageId: parent.id,
            relation,
          },
        ],
      },
    });
    if (!outcome!.ok) throw outcome!.error;
    if (outcome!.send.isNew) {
      await writeAudit(tx, ctx, {
        action: relation === "retry" ? "message.retried" : "message.resent",
        targetType: "message",
        targetId: outcome!.send.messageId,
        after: {
          parentMessageId: parent.id,
          channel: parent.channel,
          topic: parent.topicKey,
          status: outcome!.send.status,
        },
      });
    }
    return outcome!.send;
  });
  if (send.isNew && send.status === "queued")
    dispatchMessages({ ctx, input: { messages: [{ id: send.messageId, workspaceId: send.workspaceId }] } });
  return answerFor({ ctx, input: { send } });
}
