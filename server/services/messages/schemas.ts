import { z } from "zod";
import { BLOCK_REASONS, CHANNELS, MESSAGE_STATUSES, TOPIC_KINDS, type MessageStatus } from "@/db/schema";
import { ZTopicKey } from "../topics/schemas";

/** Inline content of a send (instead of a template). Marketing email gets the layout and footer added. */
export const ZMessageContent = z.object({
  subject: z.string().max(998).optional().describe("Email subject, up to 998 characters; ignored for SMS"),
  text: z
    .string()
    .min(1, "Text is required")
    .max(100_000)
    .describe(
      "Plain-text body, up to 100,000 characters: the SMS text, or the email's text part (derived from html when blank)",
    ),
  html: z
    .string()
    .max(500_000)
    .optional()
    .describe("HTML body of the email, up to 500,000 characters, sanitised before sending; ignored for SMS"),
});
export type TMessageContent = z.infer<typeof ZMessageContent>;

export const ZIdempotencyKey = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "Use printable ASCII without spaces");

/** Recipient, topic, content and options of one send; the batch items share this shape. */
const sendFields = {
  contactId: z
    .uuid()
    .optional()
    .describe("Id of the contact to send to; give exactly one of contactId, email or phone"),
  /** Finds the contact by email (blind index); an unknown address is recorded as blocked `no_consent`. */
  email: z
    .string()
    .trim()
    .min(1)
    .max(320)
    .optional()
    .describe(
      "Recipient's email address, matched to an existing contact; an unknown address is recorded as blocked no_consent (no contact is created)",
    ),
  /** Finds the contact by phone (normalised with the workspace's region). */
  phone: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .optional()
    .describe(
      "Recipient's phone number in any format, normalised to E.164 with the workspace's default region and matched to an existing contact; an unknown number is recorded as blocked no_consent",
    ),
  channel: z.enum(CHANNELS).describe("Channel to send on: email or sms"),
  /** The topic's key. */
  topic: ZTopicKey.describe(
    "Key of the topic the message is sent for; consent is checked for this topic on this channel",
  ),
  kind: z
    .enum(TOPIC_KINDS)
    .default("marketing")
    .describe(
      "marketing (default) needs the contact's opt-in; transactional skips marketing consent (never suppression) and is honoured only on a transactional topic, otherwise the send is treated as marketing",
    ),
  templateId: z
    .uuid()
    .optional()
    .describe("Id of the template to render; give exactly one of templateId, templateKey or content"),
  /** A template's key, as an alternative to `templateId`. */
  templateKey: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional()
    .describe("Key of the template to render (letters, digits, - and _), as an alternative to templateId"),
  content: ZMessageContent.optional().describe(
    "Inline content instead of a template, rendered with Liquid like a template",
  ),
  variables: z
    .record(z.string(), z.unknown())
    .default({})
    .describe(
      "Liquid variables for the template or content, available at the top level (e.g. {{ order_id }}); empty by default",
    ),
  idempotencyKey: ZIdempotencyKey.optional().describe(
    "Up to 255 printable ASCII characters without spaces (same as the Idempotency-Key header): a repeat answers the first answer again and never sends twice; reused with another body → 409",
  ),
  /** If this channel is blocked or fails for good, try the other channel where the contact consented. */
  fallback: z
    .boolean()
    .default(false)
    .describe(
      "If true and this channel is blocked or fails for good, the message is tried on the other channel where the contact consented; default false",
    ),
  /** Quiet hours: store the message as `deferred` until the window opens instead of blocking it. */
  deferOnQuietHours: z
    .boolean()
    .default(false)
    .describe(
      "If true, a message blocked by quiet hours is stored as deferred and sent when the recipient's window opens; default false",
    ),
};

function refineSend(
  value: {
    contactId?: string;
    email?: string;
    phone?: string;
    templateId?: string;
    templateKey?: string;
    content?: unknown;
  },
  ctx: z.RefinementCtx,
) {
  const recipients = [value.contactId, value.email, value.phone].filter((v) => v !== undefined).length;
  if (recipients !== 1) {
    ctx.addIssue({
      code: "custom",
      path: [value.email !== undefined ? "email" : value.phone !== undefined ? "phone" : "contactId"],
      message: "Give exactly one of contactId, email or phone",
    });
  }
  const sources = [value.templateId, value.templateKey, value.content].filter((v) => v !== undefined).length;
  if (sources !== 1) {
    ctx.addIssue({
      code: "custom",
      path: [value.content !== undefined ? "content" : "templateId"],
      message: "Give exactly one of templateId, templateKey or content",
    });
  }
}

export const ZSendWithConsentInput = z.object(sendFields).superRefine(refineSend);
export type TSendWithConsentInput = z.input<typeof ZSendWithConsentInput>;
export type TSendWithConsentParsed = z.output<typeof ZSendWithConsentInput>;

/** The statuses a send answers with (docs/contract.md, "HTTP API"); a deferred message answers `queued` with `deliverAt`. */
export const SEND_ANSWER_STATUSES = ["queued", "sent", "blocked"] as const;

export const ZFallbackOutcome = z.object({
  messageId: z.uuid().describe("Id of the message recorded on the other channel"),
  channel: z.enum(CHANNELS).describe("The other channel: email or sms"),
  status: z.enum(SEND_ANSWER_STATUSES).describe("The fallback's answer, with the same meaning as the send's status"),
  reason: z
    .string()
    .optional()
    .describe("Why the fallback was blocked (same values as the send's reason); absent unless blocked"),
});

const SEND_STATUS_DESCRIPTION =
  "queued: recorded and handed to delivery (at deliverAt when deferred for quiet hours); blocked: recorded but never sent, see reason; sent is reserved by the contract and not answered today (follow delivery with GET /messages/{id})";
const BLOCK_REASON_DESCRIPTION =
  "Why the message was blocked: no_consent, opted_out, suppressed, quiet_hours, frequency_cap, invalid_address or erased; absent unless blocked";
const DELIVER_AT_DESCRIPTION =
  "For a message deferred for quiet hours: when it will be sent (ISO 8601 UTC); absent otherwise";
const FALLBACK_DESCRIPTION =
  "The message on the other channel, when fallback was asked and this one was blocked; absent otherwise";

export const ZSendResult = z.object({
  messageId: z.uuid().describe("Id of the recorded message (blocked ones included); follow it with GET /messages/{id}"),
  status: z.enum(SEND_ANSWER_STATUSES).describe(SEND_STATUS_DESCRIPTION),
  /** When blocked: one of no_consent, opted_out, suppressed, quiet_hours, frequency_cap, invalid_address, erased. */
  reason: z.enum(BLOCK_REASONS).optional().describe(BLOCK_REASON_DESCRIPTION),
  /** A message deferred for quiet hours: when it will be sent (ISO 8601). */
  deliverAt: z.string().optional().describe(DELIVER_AT_DESCRIPTION),
  /** The message on the other channel, when `fallback` was asked and this one was blocked. */
  fallback: ZFallbackOutcome.optional().describe(FALLBACK_DESCRIPTION),
});
export type TSendResult = z.infer<typeof ZSendResult>;

export const MAX_BATCH_RECIPIENTS = 1000;

/** One recipient of a batch: any send field; missing ones come from the batch's shared fields. */
export const ZSendBatchItem = z.object({
  contactId: sendFields.contactId,
  email: sendFields.email,
  phone: sendFields.phone,
  channel: z.enum(CHANNELS).optional().describe("This recipient's channel (email or sms), overriding the batch's"),
  topic: ZTopicKey.optional().describe("This recipient's topic key, overriding the batch's"),
  kind: z
    .enum(TOPIC_KINDS)
    .optional()
    .describe("This recipient's kind (marketing or transactional), overriding the batch's"),
  templateId: sendFields.templateId.describe(
    "This recipient's template id; its own template or content replaces the batch's",
  ),
  templateKey: sendFields.templateKey.describe(
    "This recipient's template key; its own template or content replaces the batch's",
  ),
  content: sendFields.content.describe(
    "This recipient's inline content; its own template or content replaces the batch's",
  ),
  variables: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("This recipient's Liquid variables, merged over the batch's variables"),
  idempotencyKey: sendFields.idempotencyKey.describe(
    "This recipient's own idempotency key, instead of the one derived from the batch's key; reused with another request → an error outcome",
  ),
  fallback: z.boolean().optional().describe("This recipient's fallback option, overriding the batch's"),
  deferOnQuietHours: z
    .boolean()
    .optional()
    .describe("This recipient's deferOnQuietHours option, overriding the batch's"),
});

export const ZSendBatchInput = z.object({
  channel: z.enum(CHANNELS).optional().describe("Channel (email or sms) for every recipient that gives none"),
  topic: ZTopicKey.optional().describe("Topic key for every recipient that gives none"),
  kind: z
    .enum(TOPIC_KINDS)
    .optional()
    .describe("marketing or transactional for every recipient that gives none; marketing when neither does"),
  templateId: sendFields.templateId.describe(
    "Template id for every recipient without a template or content of its own",
  ),
  templateKey: sendFields.templateKey.describe(
    "Template key for every recipient without a template or content of its own",
  ),
  content: sendFields.content.describe("Inline content for every recipient without a template or content of its own"),
  /** Shared variables; an item's variables are merged over them. */
  variables: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("Liquid variables shared by every recipient; a recipient's own variables are merged over them"),
  /** Makes the whole batch idempotent: item i gets the key `<key>:<i>` unless it has its own. */
  idempotencyKey: ZIdempotencyKey.optional().describe(
    "Makes the whole batch idempotent (same as the Idempotency-Key header): recipient i gets the key <key>:<i> unless it has its own; a repeat answers the same batch and sends nothing, another body → 409",
  ),
  fallback: z
    .boolean()
    .optional()
    .describe("fallback option for every recipient that gives none; false when neither does"),
  deferOnQuietHours: z
    .boolean()
    .optional()
    .describe("deferOnQuietHours option for every recipient that gives none; false when neither does"),
  recipients: z
    .array(ZSendBatchItem)
    .min(1, "Give at least one recipient")
    .max(MAX_BATCH_RECIPIENTS, `At most ${MAX_BATCH_RECIPIENTS} recipients per call`)
    .describe("1 to 1,000 recipients, each a single send whose missing fields come from the batch's shared fields"),
});
export type TSendBatchInput = z.input<typeof ZSendBatchInput>;

export const ZBatchOutcome = z.object({
  index: z.number().int().describe("Position of the recipient in recipients, from 0"),
  messageId: z.uuid().optional().describe("Id of the recorded message; absent when status is error"),
  status: z
    .enum([...SEND_ANSWER_STATUSES, "error"])
    .describe(
      "As for a single send (queued, blocked), or error when nothing could be recorded for this recipient (see error)",
    ),
  reason: z.enum(BLOCK_REASONS).optional().describe(BLOCK_REASON_DESCRIPTION),
  deliverAt: z.string().optional().describe(DELIVER_AT_DESCRIPTION),
  fallback: ZFallbackOutcome.optional().describe(FALLBACK_DESCRIPTION),
  /** When `status` is `error`: what was wrong with this recipient (nothing was recorded for it). */
  error: z
    .object({
      code: z
        .string()
        .describe(
          "Error code such as NOT_FOUND (unknown contact or template), INVALID (malformed address, template that does not render) or CONFLICT (the recipient's idempotency key was used with another request)",
        ),
      message: z.string().describe("What was wrong, in plain English"),
      field: z.string().optional().describe("The input field at fault, when known"),
    })
    .optional()
    .describe(
      "When status is error: what was wrong with this recipient (nothing was recorded for it); absent otherwise",
    ),
});
export type TBatchOutcome = z.infer<typeof ZBatchOutcome>;

export const ZSendBatchResult = z.object({
  batchId: z
    .uuid()
    .describe(
      "Id of the batch (the same again for a repeated idempotency key); follow it with GET /messages/batches/{id}",
    ),
  total: z.number().int().describe("Number of recipients"),
  outcomes: z.array(ZBatchOutcome).describe("One outcome per recipient, in the order given"),
});
export type TSendBatchResult = z.infer<typeof ZSendBatchResult>;

export const ZBatchStatusInput = z.object({ id: z.uuid().describe("Batch id (the batchId answered by send_batch)") });

/** What each per-status counter of a batch counts. */
const BATCH_COUNT_DESCRIPTIONS: Record<MessageStatus, string> = {
  blocked: "Messages refused by the consent policy, never sent",
  deferred: "Messages waiting for the recipient's quiet hours to end",
  queued: "Messages waiting to be handed to the provider",
  sending: "Messages being handed to the provider",
  sent: "Messages accepted by the provider, delivery not yet reported",
  delivered: "Messages the provider reported delivered",
  undelivered: "Messages the provider reported undelivered",
  failed: "Messages that failed for good",
  bounced: "Emails that bounced",
  complained: "Emails the recipient reported as spam",
  received: "Inbound messages (always 0 for a batch)",
};

export const ZBatchStatus = z.object({
  batchId: z.uuid().describe("Batch id"),
  total: z.number().int().describe("Number of recipients in the batch"),
  createdAt: z.string().describe("When the batch was sent (ISO 8601 UTC)"),
  /** Messages of the batch by current status (every status listed, zeros included). */
  counts: z
    .object(
      Object.fromEntries(
        MESSAGE_STATUSES.map((s) => [s, z.number().int().describe(BATCH_COUNT_DESCRIPTIONS[s])]),
      ) as Record<MessageStatus, z.ZodNumber>,
    )
    .describe("Messages of the batch by current status, live; every status is listed, zeros included"),
  /** Recipients refused before a message was recorded (e.g. unknown contact id). */
  errors: z
    .number()
    .int()
    .describe("Recipients refused before a message was recorded (outcome status error, e.g. an unknown contact id)"),
  /** True when no message of the batch is still queued, deferred or sending. */
  done: z.boolean().describe("True when no message of the batch is still queued, deferred or sending"),
});
export type TBatchStatus = z.infer<typeof ZBatchStatus>;

export const ZRetryMessageInput = z.object({
  id: z.uuid().describe("Id of the failed or undelivered message to retry"),
});
export const ZResendMessageInput = z.object({
  id: z.uuid().describe("Id of the outbound message to send again"),
  idempotencyKey: ZIdempotencyKey.optional().describe(
    "Up to 255 printable ASCII characters without spaces: the same key answers the same resend; without it every call sends a new message",
  ),
});
