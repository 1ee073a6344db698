import { randomUUID } from "node:crypto";
import type { Channel, MessageKind, MessagePurpose, StoredDecision } from "@/db/schema";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { inTransaction, type JobContext } from "../context";
import { POLICY_VERSION } from "../policy/types";
import { insertMessages, type MessageInsert } from "./insert-messages";
import { encryptField } from "./message-secrets";
import type { MessageOptions } from "./record-answers";

/**
 * A message the product writes itself, already rendered, to someone it needs no consent from:
 * a system message to a workspace member (an invitation, a sign-in link), or a keyword reply to
 * the number that just texted.
 */
export interface DirectMessage {
  workspaceId: string;
  channel: Channel;
  kind: MessageKind;
  purpose?: MessagePurpose;
  /** The contact (keyword replies), when the address is one. */
  contactId?: string | null;
  /** The member (system messages), when the address has an account. */
  userId?: string | null;
  /**
   * Blind index of the address for the suppression checks and the history's address search;
   * null for members, who are not contacts (a contact suppression never stops their sign-in link).
   */
  addressHash: string | null;
  address: string;
  fromAddress: string | null;
  content: { subject?: string | null; text: string; html?: string | null };
  template?: {
    templateId: string | null;
    templateVersionId: string | null;
    templateVersion: number | null;
    locale: string | null;
  };
  parentMessageId?: string | null;
  relation?: string | null;
  /** The campaign it belongs to (a campaign's test send to a member). */
  campaignId?: string | null;
  /** Why it may go out without a consent decision, for the stored decision (never an address). */
  checks: string[];
  /** Extra options (e.g. the recipient's role, for who may read a system message). */
  options?: Record<string, unknown>;
  idempotencyKey?: string | null;
  /** The message id, when the content already names it (a campaign copy's web-version link); default a new one. */
  id?: string;
}

/**
 * Records messages that need no consent decision through the record step (`insertMessages`):
 * - `outbox`: `queued`, delivered after commit by the outbox like every send (retries with
 *   backoff, the sweep, status webhooks, the Outbox with the log transport);
 * - `twiml`: already on its way inside the webhook's HTTP answer (Twilio sends the TwiML reply),
 *   so recorded as `sent` with transport `twiml` and never handed to the outbox.
 * Address and content are encrypted like every message; the stored decision names the checks.
 * All are recorded at one `ctx.now()`. Returns the ids in order. Runs in the caller's transaction
 * when there is one.
 */
export async function recordDirectMessages({
  ctx,
  input: { messages: direct, delivery },
}: {
  ctx: JobContext;
  input: { messages: DirectMessage[]; delivery: "outbox" | "twiml" };
}): Promise<string[]> {
  const now = ctx.now();
  const items: MessageInsert[] = direct.map((message) => {
    const id = message.id ?? randomUUID();
    const sent = delivery === "twiml";
    const options: MessageOptions = {
      ...(message.options ?? {}),
      ...(message.purpose ? { purpose: message.purpose } : {}),
    };
    const decision: StoredDecision = {
      outcome: "send",
      policyVersion: POLICY_VERSION,
      consent: null,
      checks: message.checks,
      decidedAt: now.toISOString(),
    };
    return {
      row: {
        id,
        workspaceId: message.workspaceId,
        contactId: message.contactId ?? null,
        userId: message.userId ?? null,
        direction: "outbound",
        channel: message.channel,
        kind: message.kind,
        status: sent ? "sent" : "queued",
        addressHash: message.addressHash,
        addressCiphertext: encryptField(message.address, "address"),
        fromAddress: message.fromAddress,
        subjectCiphertext: encryptField(message.content.subject ?? null, "subject"),
        textCiphertext: encryptField(message.content.text, "text"),
        htmlCiphertext: encryptField(message.content.html ?? null, "html"),
        templateId: message.template?.templateId ?? null,
        templateVersionId: message.template?.templateVersionId ?? null,
        templateVersion: message.template?.templateVersion ?? null,
        locale: message.template?.locale ?? null,
        idempotencyKey: message.idempotencyKey ?? null,
        parentMessageId: message.parentMessageId ?? null,
        relation: message.relation ?? null,
        campaignId: message.campaignId ?? null,
        decision,
        policyVersion: POLICY_VERSION,
        options,
        ...(sent
          ? {
              transport: "twiml",
              sentAt: now,
              segments: message.channel === "sms" ? countSmsSegments(message.content.text).segments : null,
            }
          : {}),
        queuedAt: now,
        createdAt: now,
        updatedAt: now,
      },
      event: {
        status: sent ? "sent" : "queued",
        source: sent ? "webhook" : "pipeline",
        detail: {
          ...(sent ? { transport: "twiml", via: "webhook answer" } : {}),
          ...(message.purpose ? { purpose: message.purpose } : {}),
          ...(message.relation ? { relation: message.relation, parentMessageId: message.parentMessageId } : {}),
          checks: message.checks,
          policyVersion: POLICY_VERSION,
        },
      },
    };
  });
  const inserted = await inTransaction(ctx.db, (tx) => insertMessages(tx, items, now));
  return items.filter((item) => inserted.has(item.row.id!)).map((item) => item.row.id!);
}
