import { asc, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import {
  CHANNELS,
  MESSAGE_DIRECTIONS,
  MESSAGE_KINDS,
  MESSAGE_PURPOSES,
  MESSAGE_STATUSES,
  messageEvents,
  type MessageEventRow,
  type MessageRow,
} from "@/db/schema";
import { maskPhone } from "@/server/lib/addresses";
import { decryptOptional } from "@/server/lib/crypto";
import { invalid } from "@/server/lib/errors";
import { maskEmail } from "@/server/lib/logger";
import { stripTrackingPixel } from "../tracking/rewrite-links";

/**
 * Read-side helpers shared by the message history, the outbox and the REST read routes:
 * the public message shape, decryption of a row's address and content, masking for viewers, and
 * the keyset cursor.
 */

/** Associated data of each encrypted message column (binds a ciphertext to its column). */
export const MESSAGE_PII_PURPOSE = {
  address: "message.address",
  subject: "message.subject",
  text: "message.text",
  html: "message.html",
} as const;

export const ZMessageEvent = z.object({
  status: z
    .string()
    .describe(
      "What happened: a message status (queued, sent, delivered, undelivered, failed, bounced, complained, blocked, deferred, received) or a pipeline step such as decided, opened or clicked",
    ),
  at: z.date().describe("When it happened (ISO 8601 UTC), as reported by the pipeline or the provider"),
  source: z.string().describe("Who reported it: pipeline, provider, webhook or admin"),
  detail: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      "Provider detail (error code, provider message id, segments…); never addresses or message bodies. Absent when there is none",
    ),
});
export type TMessageEvent = z.infer<typeof ZMessageEvent>;

/** The message as the REST API answers it (`GET /messages/{id}`, items of `GET /messages`). */
export const ZMessage = z.object({
  id: z.uuid().describe("Message id"),
  contactId: z
    .uuid()
    .nullable()
    .describe(
      "The contact the message went to or came from; null for an inbound SMS from an unknown number, an erased contact, or a system message to a member",
    ),
  direction: z
    .enum(MESSAGE_DIRECTIONS)
    .describe("outbound: sent by this workspace; inbound: received from a contact (SMS replies and keywords)"),
  channel: z.enum(CHANNELS).describe("email or sms"),
  topic: z
    .string()
    .nullable()
    .describe(
      "Key of the topic the message was sent for; null for inbound messages, keyword replies, double opt-in confirmations (they ask for consent on one or more topics) and system messages",
    ),
  kind: z
    .enum(MESSAGE_KINDS)
    .describe(
      "marketing or transactional (the rules the send was judged by; a double opt-in confirmation is transactional and has no topic), or system: a message to a workspace member (an invitation, a sign-in link), not to a contact",
    ),
  status: z
    .enum(MESSAGE_STATUSES)
    .describe(
      "Current status. blocked: refused by the consent policy and never sent; deferred: waiting (quiet hours); queued → sending → sent → delivered, or undelivered / failed / bounced / complained; received: an inbound message",
    ),
  reason: z
    .string()
    .optional()
    .describe(
      "Present when the message was blocked (no_consent, opted_out, suppressed, quiet_hours, frequency_cap, invalid_address, erased) or finally failed (the provider's error code)",
    ),
  templateId: z.uuid().nullable().describe("Template the content was rendered from; null for inline content"),
  templateVersion: z.number().int().nullable().describe("Version number of that template"),
  transport: z
    .string()
    .nullable()
    .describe("Transport that carried it: resend, twilio or log (the log transport records without sending)"),
  providerMessageId: z.string().nullable().describe("The provider's id for the message (Resend email id, Twilio SID)"),
  segments: z.number().int().nullable().describe("SMS segments billed (SMS only)"),
  attempts: z.number().int().describe("Delivery attempts made so far"),
  parentMessageId: z
    .uuid()
    .nullable()
    .describe(
      "The message this one follows from (retried, resent, fell back to another channel, or answers as a keyword reply)",
    ),
  relation: z
    .string()
    .nullable()
    .describe("How it relates to parentMessageId: retry, resend, fallback or keyword_reply"),
  campaignId: z.uuid().nullable().describe("Campaign that sent it, if any"),
  batchId: z.uuid().nullable().describe("Batch send_with_consent call that created it, if any"),
  consentEventId: z
    .uuid()
    .nullable()
    .describe("The consent ledger event this send relied on (the per-message consent proof)"),
  policyVersion: z.string().nullable().describe("Version of the consent policy that decided this send"),
  createdAt: z.date().describe("When the message was recorded"),
  sentAt: z.date().nullable().describe("When the transport accepted it"),
  deliveredAt: z.date().nullable().describe("When the provider reported delivery"),
  failedAt: z.date().nullable().describe("When it finally failed, bounced or was reported undelivered"),
  openedAt: z.date().nullable().describe("Marketing email: the first open by a person (machine opens left out)"),
  clickedAt: z.date().nullable().describe("Marketing message: the first click on a tracked link by a person"),
  repliedAt: z.date().nullable().describe("Campaign SMS: when the first reply came (within 72 hours)"),
  events: z.array(ZMessageEvent).describe("The timeline, oldest first"),
});
export type TMessage = z.infer<typeof ZMessage>;

/** A row of the admin message table. */
export const ZMessageListItem = z.object({
  id: z.uuid(),
  contactId: z.uuid().nullable(),
  direction: z.enum(MESSAGE_DIRECTIONS),
  channel: z.enum(CHANNELS),
  topic: z.string().nullable(),
  topicName: z.string().nullable(),
  kind: z.enum(MESSAGE_KINDS),
  /** A message the product sent of its own: a double opt-in confirmation, an invitation, a sign-in link. */
  purpose: z.enum(MESSAGE_PURPOSES).nullable(),
  /** The member a system message went to (null for contacts' messages and invitations to new addresses). */
  userId: z.uuid().nullable(),
  status: z.enum(MESSAGE_STATUSES),
  reason: z.string().nullable(),
  /** Recipient (outbound) or sender (inbound); masked for viewers. */
  address: z.string().nullable(),
  /** Email subject or the start of the SMS text; null for viewers (content is withheld). */
  preview: z.string().nullable(),
  templateName: z.string().nullable(),
  templateVersion: z.number().int().nullable(),
  campaignId: z.uuid().nullable(),
  relation: z.string().nullable(),
  parentMessageId: z.uuid().nullable(),
  transport: z.string().nullable(),
  createdAt: z.date(),
});
export type TMessageListItem = z.infer<typeof ZMessageListItem>;

/** Whether a row's detail object carries anything worth showing. */
function eventDetail(detail: Record<string, unknown> | null): Record<string, unknown> | undefined {
  return detail && Object.keys(detail).length > 0 ? detail : undefined;
}

export function toMessageEvent(row: MessageEventRow): TMessageEvent {
  const detail = eventDetail(row.detail);
  return { status: row.status, at: row.occurredAt, source: row.source, ...(detail ? { detail } : {}) };
}

/** Timelines of many messages in one query, each oldest first (recording order). */
export async function loadEvents(
  db: Queryable,
  workspaceId: string,
  messageIds: string[],
): Promise<Map<string, MessageEventRow[]>> {
  const byMessage = new Map<string, MessageEventRow[]>(messageIds.map((id) => [id, []]));
  if (messageIds.length === 0) return byMessage;
  const rows = await db
    .select()
    .from(messageEvents)
    .where(inArray(messageEvents.messageId, messageIds))
    .orderBy(asc(messageEvents.occurredAt), asc(messageEvents.seq));
  for (const row of rows) {
    if (row.workspaceId === workspaceId) byMessage.get(row.messageId)?.push(row);
  }
  return byMessage;
}

export function toMessage(row: MessageRow, events: MessageEventRow[]): TMessage {
  return {
    id: row.id,
    contactId: row.contactId,
    direction: row.direction,
    channel: row.channel,
    topic: row.topicKey,
    kind: row.kind,
    status: row.status,
    ...(row.reason ? { reason: row.reason } : {}),
    templateId: row.templateId,
    templateVersion: row.templateVersion,
    transport: row.transport,
    providerMessageId: row.providerMessageId,
    segments: row.segments,
    attempts: row.attempts,
    parentMessageId: row.parentMessageId,
    relation: row.relation,
    campaignId: row.campaignId,
    batchId: row.batchId,
    consentEventId: row.consentEventId ?? row.decision?.consent?.eventId ?? null,
    policyVersion: row.policyVersion ?? row.decision?.policyVersion ?? null,
    createdAt: row.createdAt,
    sentAt: row.sentAt,
    deliveredAt: row.deliveredAt,
    failedAt: row.failedAt,
    openedAt: row.openedAt,
    clickedAt: row.clickedAt,
    repliedAt: row.repliedAt,
    events: events.map(toMessageEvent),
  };
}

/** `a•••@example.com` / `+1 ••• ••• 4567`, by channel. */
export function maskAddress(channel: MessageRow["channel"], address: string): string {
  return channel === "email" ? maskEmail(address) : maskPhone(address);
}

/** The recipient (outbound) or sender (inbound) address, masked unless `full`. */
export function messageAddress(row: Pick<MessageRow, "channel" | "addressCiphertext">, full: boolean): string | null {
  const address = decryptOptional(row.addressCiphertext, MESSAGE_PII_PURPOSE.address);
  if (address === null) return null;
  return full ? address : maskAddress(row.channel, address);
}

/**
 * The headers sent with a message; unless `full`, the unsubscribe link's token is hidden (it would
 * let a viewer open the contact's unsubscribe page and, from there, its preference center).
 */
export function messageHeaders(row: Pick<MessageRow, "headers">, full: boolean): Record<string, string> {
  const headers = row.headers ?? {};
  if (full) return headers;
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, value.replace(/\/u\/[^\s>,]+/g, "/u/•••")]),
  );
}

export interface MessageContent {
  subject: string | null;
  text: string | null;
  html: string | null;
}

/** Decrypted subject, text and HTML parts. */
export function messageContent(
  row: Pick<MessageRow, "subjectCiphertext" | "textCiphertext" | "htmlCiphertext">,
): MessageContent {
  return {
    subject: decryptOptional(row.subjectCiphertext, MESSAGE_PII_PURPOSE.subject),
    text: decryptOptional(row.textCiphertext, MESSAGE_PII_PURPOSE.text),
    html: withoutPixel(decryptOptional(row.htmlCiphertext, MESSAGE_PII_PURPOSE.html)),
  };
}

/** Shown in the app, a tracked email loses its open pixel: viewing it is not the recipient's open. */
function withoutPixel(html: string | null): string | null {
  return html === null ? null : stripTrackingPixel(html);
}

/** A one-line preview: the email subject, or the start of the SMS text. */
export function messagePreview(row: MessageRow): string | null {
  if (row.channel === "email" && row.subjectCiphertext)
    return decryptOptional(row.subjectCiphertext, MESSAGE_PII_PURPOSE.subject);
  const text = decryptOptional(row.textCiphertext, MESSAGE_PII_PURPOSE.text);
  if (text === null) return null;
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

/** Postgres prints `created_at` with microseconds; a JS Date would truncate and skip or repeat rows. */
export const CREATED_AT_TEXT_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

export function encodeMessageCursor(createdAtText: string, id: string): string {
  return Buffer.from(`${createdAtText}|${id}`, "utf8").toString("base64url");
}

export function decodeMessageCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!createdAt || !id || !z.uuid().safeParse(id).success || Number.isNaN(Date.parse(createdAt))) {
    throw invalid("This page link is no longer valid; start from the first page", "cursor");
  }
  return { createdAt, id };
}
