import type { Channel, MessageStatus, TopicKind } from "@/db/schema";
import type { AppError } from "@/server/lib/errors";

/** Where the content comes from: the same union `renderForSend` takes. */
export type RenderSourceInput =
  | { templateId: string }
  | { templateKey: string }
  | { content: { subject?: string; text: string; html?: string } };

export type Recipient = { contactId: string } | { email: string } | { phone: string };

export type MessageRelation = "fallback" | "retry" | "resend";

/** One send as the pipeline takes it: already parsed, defaults applied. */
export interface SendRequest {
  recipient: Recipient;
  channel: Channel;
  topicKey: string;
  kind: TopicKind;
  source: RenderSourceInput;
  variables: Record<string, unknown>;
  idempotencyKey: string | null;
  /** Hash of the request as the caller sent it (409 when a key is reused with another). */
  requestHash: string | null;
  fallback: boolean;
  deferOnQuietHours: boolean;
  parentMessageId?: string | null;
  relation?: MessageRelation | null;
  /** Batch requests derive their keys from the batch's key: a mismatch is the whole batch's 409. */
  keyFromBatch?: boolean;
}

/** What the pipeline recorded (or had recorded before, for a repeated idempotency key). */
export interface RecordedSend {
  messageId: string;
  workspaceId: string;
  contactId: string | null;
  channel: Channel;
  topicKey: string;
  status: MessageStatus;
  /** The first answer's fields, derived from the stored decision (stable across repeats). */
  answer: { status: "queued" | "sent" | "blocked"; reason?: string; deliverAt?: string };
  /** False when the idempotency key was already used: nothing new was recorded. */
  isNew: boolean;
  fallback: boolean;
}

export type SendOutcome = { ok: true; send: RecordedSend } | { ok: false; error: AppError };
