import { z } from "zod";
import { BLOCK_REASONS, CHANNELS, MESSAGE_STATUSES, TOPIC_KINDS } from "@/db/schema";
import { ZTopicKey } from "../topics/topics";

/** Inline content of a send (instead of a template). Marketing email gets the layout and footer added. */
export const ZMessageContent = z.object({
  subject: z.string().max(998).optional(),
  text: z.string().min(1, "Text is required").max(100_000),
  html: z.string().max(500_000).optional(),
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
  contactId: z.uuid().optional(),
  /** Finds the contact by email (blind index); an unknown address is recorded as blocked `no_consent`. */
  email: z.string().trim().min(1).max(320).optional(),
  /** Finds the contact by phone (normalised with the workspace's region). */
  phone: z.string().trim().min(1).max(40).optional(),
  channel: z.enum(CHANNELS),
  /** The topic's key. */
  topic: ZTopicKey,
  kind: z.enum(TOPIC_KINDS).default("marketing"),
  templateId: z.uuid().optional(),
  /** A template's key, as an alternative to `templateId`. */
  templateKey: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  content: ZMessageContent.optional(),
  variables: z.record(z.string(), z.unknown()).default({}),
  idempotencyKey: ZIdempotencyKey.optional(),
  /** If this channel is blocked or fails for good, try the other channel where the contact consented. */
  fallback: z.boolean().default(false),
  /** Quiet hours: store the message as `deferred` until the window opens instead of blocking it. */
  deferOnQuietHours: z.boolean().default(false),
};

function refineSend(value: { contactId?: string; email?: string; phone?: string; templateId?: string; templateKey?: string; content?: unknown }, ctx: z.RefinementCtx) {
  const recipients = [value.contactId, value.email, value.phone].filter((v) => v !== undefined).length;
  if (recipients !== 1) {
    ctx.addIssue({ code: "custom", path: [value.email !== undefined ? "email" : value.phone !== undefined ? "phone" : "contactId"], message: "Give exactly one of contactId, email or phone" });
  }
  const sources = [value.templateId, value.templateKey, value.content].filter((v) => v !== undefined).length;
  if (sources !== 1) {
    ctx.addIssue({ code: "custom", path: [value.content !== undefined ? "content" : "templateId"], message: "Give exactly one of templateId, templateKey or content" });
  }
}

export const ZSendWithConsentInput = z.object(sendFields).superRefine(refineSend);
export type TSendWithConsentInput = z.input<typeof ZSendWithConsentInput>;
export type TSendWithConsentParsed = z.output<typeof ZSendWithConsentInput>;

/** The statuses a send answers with (CONTRACT.md §2); a deferred message answers `queued` with `deliverAt`. */
export const SEND_ANSWER_STATUSES = ["queued", "sent", "blocked"] as const;

export const ZFallbackOutcome = z.object({
  messageId: z.uuid(),
  channel: z.enum(CHANNELS),
  status: z.enum(SEND_ANSWER_STATUSES),
  reason: z.string().optional(),
});

export const ZSendResult = z.object({
  messageId: z.uuid(),
  status: z.enum(SEND_ANSWER_STATUSES),
  /** When blocked: one of no_consent, opted_out, suppressed, quiet_hours, frequency_cap, invalid_address, erased. */
  reason: z.enum(BLOCK_REASONS).optional(),
  /** A message deferred for quiet hours: when it will be sent (ISO 8601). */
  deliverAt: z.string().optional(),
  /** The message on the other channel, when `fallback` was asked and this one was blocked. */
  fallback: ZFallbackOutcome.optional(),
});
export type TSendResult = z.infer<typeof ZSendResult>;

export const MAX_BATCH_RECIPIENTS = 1000;

/** One recipient of a batch: any send field; missing ones come from the batch's shared fields. */
export const ZSendBatchItem = z.object({
  contactId: sendFields.contactId,
  email: sendFields.email,
  phone: sendFields.phone,
  channel: z.enum(CHANNELS).optional(),
  topic: ZTopicKey.optional(),
  kind: z.enum(TOPIC_KINDS).optional(),
  templateId: sendFields.templateId,
  templateKey: sendFields.templateKey,
  content: sendFields.content,
  variables: z.record(z.string(), z.unknown()).optional(),
  idempotencyKey: sendFields.idempotencyKey,
  fallback: z.boolean().optional(),
  deferOnQuietHours: z.boolean().optional(),
});

export const ZSendBatchInput = z.object({
  channel: z.enum(CHANNELS).optional(),
  topic: ZTopicKey.optional(),
  kind: z.enum(TOPIC_KINDS).optional(),
  templateId: sendFields.templateId,
  templateKey: sendFields.templateKey,
  content: sendFields.content,
  /** Shared variables; an item's variables are merged over them. */
  variables: z.record(z.string(), z.unknown()).optional(),
  /** Makes the whole batch idempotent: item i gets the key `<key>:<i>` unless it has its own. */
  idempotencyKey: ZIdempotencyKey.optional(),
  fallback: z.boolean().optional(),
  deferOnQuietHours: z.boolean().optional(),
  recipients: z.array(ZSendBatchItem).min(1, "Give at least one recipient").max(MAX_BATCH_RECIPIENTS, `At most ${MAX_BATCH_RECIPIENTS} recipients per call`),
});
export type TSendBatchInput = z.input<typeof ZSendBatchInput>;

export const ZBatchOutcome = z.object({
  index: z.number().int(),
  messageId: z.uuid().optional(),
  status: z.enum([...SEND_ANSWER_STATUSES, "error"]),
  reason: z.enum(BLOCK_REASONS).optional(),
  deliverAt: z.string().optional(),
  fallback: ZFallbackOutcome.optional(),
  /** When `status` is `error`: what was wrong with this recipient (nothing was recorded for it). */
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).optional(),
});
export type TBatchOutcome = z.infer<typeof ZBatchOutcome>;

export const ZSendBatchResult = z.object({
  batchId: z.uuid(),
  total: z.number().int(),
  outcomes: z.array(ZBatchOutcome),
});
export type TSendBatchResult = z.infer<typeof ZSendBatchResult>;

export const ZBatchStatusInput = z.object({ id: z.uuid() });

export const ZBatchStatus = z.object({
  batchId: z.uuid(),
  total: z.number().int(),
  createdAt: z.string(),
  /** Messages of the batch by current status (every status listed, zeros included). */
  counts: z.object(Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof MESSAGE_STATUSES)[number], z.ZodNumber>),
  /** Recipients refused before a message was recorded (e.g. unknown contact id). */
  errors: z.number().int(),
  /** True when no message of the batch is still queued, deferred or sending. */
  done: z.boolean(),
});
export type TBatchStatus = z.infer<typeof ZBatchStatus>;

export const ZRetryMessageInput = z.object({ id: z.uuid() });
export const ZResendMessageInput = z.object({ id: z.uuid(), idempotencyKey: ZIdempotencyKey.optional() });
