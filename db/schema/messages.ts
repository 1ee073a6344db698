import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";
import { contacts } from "./contacts";
import { channelEnum } from "./topics";
import {
  AWAITING_DELIVERY_STATUSES,
  MESSAGE_DIRECTIONS,
  MESSAGE_KINDS,
  MESSAGE_STATUSES,
  type BlockReason,
} from "../../server/shared/enums";
import { users, workspaces } from "./workspaces";

export {
  BLOCK_REASONS,
  MESSAGE_DIRECTIONS,
  MESSAGE_KINDS,
  MESSAGE_PURPOSES,
  MESSAGE_STATUSES,
  type BlockReason,
  type MessageDirection,
  type MessageKind,
  type MessagePurpose,
  type MessageStatus,
} from "../../server/shared/enums";

/**
 * AWAITING_DELIVERY_STATUSES as SQL text, a parenthesised list of string literals: the list the dispatch
 * index's predicate is written with. The outbox's claim and the sweep use the same text, so the
 * planner can match their conditions to that partial index (a bound parameter would not match).
 */
export const AWAITING_DELIVERY_SQL = sql.raw(
  `(${AWAITING_DELIVERY_STATUSES.map((status) => `'${status}'`).join(", ")})`,
);

export const messageDirectionEnum = pgEnum("message_direction", MESSAGE_DIRECTIONS);

/** What a message is (marketing, transactional, system): MESSAGE_KINDS in server/shared/enums.ts. */
export const messageKindEnum = pgEnum("message_kind", MESSAGE_KINDS);
/** Lifecycle of a message (order and ranks: MESSAGE_STATUSES in server/shared/enums.ts). */
export const messageStatusEnum = pgEnum("message_status", MESSAGE_STATUSES);

/** The policy decision stored with every outbound message: the per-message consent proof. */
export interface StoredDecision {
  outcome: "send" | "block";
  reason?: BlockReason;
  policyVersion: string;
  /** The consent_states row relied on (status, source, when) at decision time. */
  consent?: { status: string; source: string; eventId: string; occurredAt: string } | null;
  /** Human-readable checks that ran, in order, e.g. "suppression: none". */
  checks: string[];
  /** For quiet_hours: when sending becomes allowed again. */
  retryAt?: string;
  decidedAt: string;
}

/**
 * Every message the product sends or receives. Outbound rows are written by the one pipeline
 * (decide → render → deliver → record) inside the transaction that checked consent; the provider
 * call happens after commit from this row (the outbox). Address and content are encrypted.
 */
export const messages = pgTable(
  "messages",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** Null for inbound messages from unknown numbers, and for system messages (to members). */
    contactId: uuid("contact_id").references(() => contacts.id, { onDelete: "set null" }),
    /** The member a system message went to (sign-in link; invitation to an existing account). */
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    direction: messageDirectionEnum("direction").notNull().default("outbound"),
    channel: channelEnum("channel").notNull(),
    topicId: uuid("topic_id"),
    topicKey: text("topic_key"),
    kind: messageKindEnum("kind").notNull(),
    status: messageStatusEnum("status").notNull(),
    /** Block reason, or the provider's final error code. */
    reason: text("reason"),
    /** Blind index of the normalised recipient (or sender, inbound) address. */
    addressHash: text("address_hash"),
    addressCiphertext: text("address_ciphertext"),
    fromAddress: text("from_address"),
    subjectCiphertext: text("subject_ciphertext"),
    textCiphertext: text("text_ciphertext"),
    htmlCiphertext: text("html_ciphertext"),
    /** Extra headers sent (List-Unsubscribe…); no PII beyond the signed token URL. */
    headers: jsonb("headers").$type<Record<string, string>>(),
    templateId: uuid("template_id"),
    templateVersionId: uuid("template_version_id"),
    templateVersion: integer("template_version"),
    locale: text("locale"),
    idempotencyKey: text("idempotency_key"),
    /** SHA-256 of the canonical request, to answer 409 when a key is reused with another body. */
    requestHash: text("request_hash"),
    batchId: uuid("batch_id"),
    campaignId: uuid("campaign_id"),
    /** The campaign run the message belongs to (each run's recipients get one message each). */
    campaignRunId: uuid("campaign_run_id"),
    /** The campaign's A/B test variant the message carried (null: none). */
    variant: text("variant"),
    /** A deferred (quiet hours) message not sent by then fails with reason `expired`. */
    expiresAt: timestampTz("expires_at"),
    /** The message this one replaces (fallback to the other channel, retry, resend). */
    parentMessageId: uuid("parent_message_id"),
    relation: text("relation"),
    decision: jsonb("decision").$type<StoredDecision>(),
    consentEventId: uuid("consent_event_id"),
    policyVersion: text("policy_version"),
    /**
     * Whether the message counts towards the workspace frequency caps of later sends: false for a
     * legal-notice campaign's messages (`campaigns.options.ignoreFrequencyCaps`), which are neither
     * stopped by the caps nor use them up. The statutory state limits count every message.
     */
    countsTowardCaps: boolean("counts_toward_caps").notNull().default(true),
    transport: text("transport"),
    providerMessageId: text("provider_message_id"),
    /**
     * The `Idempotency-Key` of the provider batch call (Resend `/emails/batch`) that first carried
     * this message, written before that call. Every later attempt of a member replays the same
     * call: the same members, the same key, the same body (see "Idempotent delivery").
     */
    providerBatchKey: text("provider_batch_key"),
    segments: integer("segments"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestampTz("next_attempt_at"),
    lastError: text("last_error"),
    /** Options the dispatcher needs after commit, e.g. `{ fallback: true }`. */
    options: jsonb("options").$type<Record<string, unknown>>().notNull().default({}),
    queuedAt: timestampTz("queued_at"),
    sentAt: timestampTz("sent_at"),
    deliveredAt: timestampTz("delivered_at"),
    failedAt: timestampTz("failed_at"),
    /** The first open, click and reply of a person (machine events leave these alone). */
    openedAt: timestampTz("opened_at"),
    clickedAt: timestampTz("clicked_at"),
    repliedAt: timestampTz("replied_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("messages_workspace_idempotency_key")
      .on(t.workspaceId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    /**
     * Outbound provider ids are global: status webhooks find their message by (transport, id) alone.
     * An inbound text to a number several workspaces share is recorded once per workspace it is
     * routed to, under the same MessageSid, so inbound ids are unique per workspace only (the
     * MessageSid itself is claimed once in `webhook_events`).
     */
    uniqueIndex("messages_provider_message_id_key")
      .on(t.transport, t.providerMessageId)
      .where(sql`${t.providerMessageId} is not null and ${t.direction} = 'outbound'`),
    uniqueIndex("messages_inbound_provider_message_id_key")
      .on(t.workspaceId, t.transport, t.providerMessageId)
      .where(sql`${t.providerMessageId} is not null and ${t.direction} = 'inbound'`),
    index("messages_workspace_contact_idx").on(t.workspaceId, t.contactId, t.createdAt),
    index("messages_workspace_created_idx").on(t.workspaceId, t.createdAt),
    index("messages_workspace_status_idx").on(t.workspaceId, t.status, t.createdAt),
    index("messages_dispatch_idx")
      .on(t.status, t.nextAttemptAt)
      .where(sql`${t.status} in ${AWAITING_DELIVERY_SQL}`),
    // The sweep's "stuck in sending" branch: only rows being handed over, by their last touch.
    index("messages_sending_idx")
      .on(t.updatedAt)
      .where(sql`${t.status} = 'sending'`),
    // The sweep's "expired while waiting" branch: waiting rows that carry an expiry, by it.
    index("messages_expiry_idx")
      .on(t.expiresAt)
      .where(sql`${t.status} in ${AWAITING_DELIVERY_SQL} and ${t.expiresAt} is not null`),
    index("messages_batch_idx")
      .on(t.batchId)
      .where(sql`${t.batchId} is not null`),
    index("messages_provider_batch_key_idx")
      .on(t.providerBatchKey)
      .where(sql`${t.providerBatchKey} is not null`),
    index("messages_campaign_run_idx")
      .on(t.campaignRunId, t.status)
      .where(sql`${t.campaignRunId} is not null`),
    index("messages_campaign_idx")
      .on(t.campaignId)
      .where(sql`${t.campaignId} is not null`),
    index("messages_user_idx")
      .on(t.userId)
      .where(sql`${t.userId} is not null`),
    index("messages_frequency_idx").on(t.workspaceId, t.addressHash, t.channel, t.createdAt),
  ],
);

/** The timeline of a message: decided, queued, sent, delivered, failed… with provider detail. */
export const messageEvents = pgTable(
  "message_events",
  {
    id: id(),
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    messageId: uuid("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    status: text("status").notNull(),
    /** pipeline | provider | webhook | admin */
    source: text("source").notNull(),
    detail: jsonb("detail").$type<Record<string, unknown>>(),
    occurredAt: timestampTz("occurred_at").notNull(),
    recordedAt: timestampTz("recorded_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [index("message_events_message_idx").on(t.messageId, t.seq)],
);

/**
 * Provider webhook deliveries, stored once per dedupe key (Svix id, Twilio MessageSid + status).
 * `applied_at` stays null while the message it refers to is unknown; the event is applied when
 * the message appears.
 */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: id(),
    workspaceId: uuid("workspace_id"),
    provider: text("provider").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    type: text("type").notNull(),
    providerMessageId: text("provider_message_id"),
    /** Minimal normalised fields (no addresses or bodies). */
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestampTz("occurred_at"),
    receivedAt: timestampTz("received_at")
      .notNull()
      .default(sql`now()`),
    appliedAt: timestampTz("applied_at"),
  },
  (t) => [
    uniqueIndex("webhook_events_dedupe_key").on(t.provider, t.dedupeKey),
    index("webhook_events_pending_idx")
      .on(t.provider, t.providerMessageId)
      .where(sql`${t.appliedAt} is null`),
    // Bounces, complaints and provider opt-outs acknowledged but not applied yet: the send decision
    // reads them as suppressions (send_decision_reads), so they hold before the drain applies them.
    index("webhook_events_pending_effect_idx")
      .on(t.provider, t.providerMessageId)
      .where(sql`${t.appliedAt} is null and (${t.payload}->>'effect') is not null`),
    // Plain inbound replies acknowledged and waiting for the drain, oldest first.
    index("webhook_events_inbound_waiting_idx")
      .on(t.receivedAt)
      .where(sql`${t.appliedAt} is null and ${t.type} = 'inbound'`),
  ],
);

/** A batch `send_with_consent` call: its messages carry `batch_id`; status is aggregated live. */
export const sendBatches = pgTable("send_batches", {
  id: id(),
  workspaceId: uuid("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  total: integer("total").notNull(),
  idempotencyKey: text("idempotency_key"),
  actorType: text("actor_type").notNull(),
  actorId: text("actor_id"),
  createdAt: createdAt(),
});

export type MessageRow = typeof messages.$inferSelect;
export type MessageEventRow = typeof messageEvents.$inferSelect;
