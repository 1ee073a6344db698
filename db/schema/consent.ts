import { sql } from "drizzle-orm";
import { bigint, boolean, index, pgEnum, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz } from "./_columns";
import { channelEnum } from "./topics";
import { sealedJsonb } from "./_sealed-json";
import { CONSENT_ACTIONS, CONSENT_SOURCES, CONSENT_STATUSES, SUPPRESSION_REASONS } from "../../server/shared/enums";
import { workspaces } from "./workspaces";
import { CONSENT_EVIDENCE_PURPOSE } from "./consent-evidence-purpose";

export {
  CONSENT_ACTIONS,
  CONSENT_SOURCES,
  CONSENT_STATUSES,
  SUPPRESSION_REASONS,
  type ConsentAction,
  type ConsentSource,
  type ConsentStatus,
  type SuppressionReason,
} from "../../server/shared/enums";

export const consentActionEnum = pgEnum("consent_action", CONSENT_ACTIONS);

/** `address_changed` is written by the system only (see CONSENT_SOURCES in server/shared/enums.ts). */
export const consentSourceEnum = pgEnum("consent_source", CONSENT_SOURCES);

export const consentStatusEnum = pgEnum("consent_status", CONSENT_STATUSES);

export interface ConsentEvidence {
  ip?: string;
  /** How `ip` was learned: the connection itself, or a trusted proxy's X-Forwarded-For (TRUSTED_PROXIES). */
  ipSource?: "socket" | "trusted_proxy";
  userAgent?: string;
  url?: string;
  /** SHA-256 of the consent language shown; the text itself lives once in consent_texts. */
  textHash?: string;
  formVersion?: string;
  providerMessageId?: string;
  /** The message whose unsubscribe link recorded the opt-out (campaign reports attribute it by this). */
  messageId?: string;
  note?: string;
}

/** Evidence that identifies a person: encrypted at rest. */
export const CONSENT_EVIDENCE_SEALED_KEYS = ["ip", "userAgent", "note"] as const;
export { CONSENT_EVIDENCE_PURPOSE };

/** The exact consent language shown to people, stored once per workspace and referenced by hash. */
export const consentTexts = pgTable(
  "consent_texts",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    hash: text("hash").notNull(),
    text: text("text").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.hash] })],
);

/**
 * The append-only consent ledger: one row per change, never updated or deleted (trigger).
 * `occurred_at` is when the person acted; `recorded_at` when we learned it; `seq` is the order in
 * which the projection applied it.
 *
 * No foreign keys (here and on consent_states, migration 0008): the ledger is proof that must
 * outlive what it refers to (an append-only table cannot cascade anyway; contacts, topics and
 * workspaces are never deleted, only erased/archived), and the referential checks were more than
 * half the cost of writing consent in bulk (CSV import). Every writer takes the ids from rows it
 * has just read or written in the same transaction.
 */
export const consentEvents = pgTable(
  "consent_events",
  {
    id: id(),
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity(),
    workspaceId: uuid("workspace_id").notNull(),
    contactId: uuid("contact_id").notNull(),
    channel: channelEnum("channel").notNull(),
    topicId: uuid("topic_id").notNull(),
    action: consentActionEnum("action").notNull(),
    source: consentSourceEnum("source").notNull(),
    /** ip, userAgent and note are encrypted at rest (one `sealed` ciphertext); see _sealed-json.ts. */
    evidence: sealedJsonb<ConsentEvidence>("evidence", {
      keys: CONSENT_EVIDENCE_SEALED_KEYS,
      purpose: CONSENT_EVIDENCE_PURPOSE,
    })
      .notNull()
      .default({}),
    /** An opt-in that still needs proof of control of the address (double opt-in): projects to `pending`. */
    needsConfirmation: boolean("needs_confirmation").notNull().default(false),
    /** Groups the per-topic rows of one request (e.g. a STOP that opted out of every SMS topic). */
    batchId: uuid("batch_id"),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    occurredAt: timestampTz("occurred_at").notNull(),
    recordedAt: timestampTz("recorded_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    index("consent_events_contact_idx").on(t.workspaceId, t.contactId, t.seq),
    index("consent_events_batch_idx").on(t.batchId),
    // Events recorded since an instant: the analytics roll-up's freshness check and the pairs a
    // live fold of the recent days reads.
    index("consent_events_workspace_recorded_idx").on(t.workspaceId, t.recordedAt),
  ],
);

/**
 * Current consent per contact × channel × topic: the projection of consent_events, updated in the
 * same transaction as the event (so a committed opt-out is visible to every later send).
 */
export const consentStates = pgTable(
  "consent_states",
  {
    workspaceId: uuid("workspace_id").notNull(),
    contactId: uuid("contact_id").notNull(),
    channel: channelEnum("channel").notNull(),
    topicId: uuid("topic_id").notNull(),
    status: consentStatusEnum("status").notNull(),
    source: consentSourceEnum("source").notNull(),
    /** The ledger row this state rests on (per-message consent proof points here). */
    eventId: uuid("event_id").notNull(),
    occurredAt: timestampTz("occurred_at").notNull(),
    recordedAt: timestampTz("recorded_at").notNull(),
    updatedAt: timestampTz("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.contactId, t.channel, t.topicId] }),
    index("consent_states_topic_status_idx").on(t.workspaceId, t.topicId, t.channel, t.status),
  ],
);

/** Associated data of `suppressions.address_ciphertext` (binds the ciphertext to its column). */
export const SUPPRESSION_ADDRESS_PURPOSE = "suppression.address";

export const suppressionReasonEnum = pgEnum("suppression_reason", SUPPRESSION_REASONS);

/**
 * Addresses that must never be messaged on a channel, keyed by the blind index of the normalised
 * address, so a suppression outlives the contact row and blocks re-imports too.
 */
export const suppressions = pgTable(
  "suppressions",
  {
    id: uuid("id").notNull().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    channel: channelEnum("channel").notNull(),
    addressHash: text("address_hash").notNull(),
    reason: suppressionReasonEnum("reason").notNull(),
    source: text("source").notNull(),
    note: text("note"),
    /**
     * The normalised address, AES-256-GCM under SUPPRESSION_ADDRESS_PURPOSE (shown masked on the
     * suppression list); null where the writer knew only the blind index (rows older than the column).
     */
    addressCiphertext: text("address_ciphertext"),
    /** Who added it: the actor's type (`user`, `apiKey`, `provider`, `system`, `contact`) and id. */
    actorType: text("actor_type"),
    actorId: text("actor_id"),
    createdAt: createdAt(),
  },
  (t) => [
    // One suppression per address and channel; the first reason is kept (ON CONFLICT DO NOTHING).
    primaryKey({ columns: [t.workspaceId, t.channel, t.addressHash] }),
    // The suppression list's pages (keyset on created_at, id) and removal by id.
    index("suppressions_created_idx").on(t.workspaceId, t.createdAt, t.id),
    index("suppressions_id_idx").on(t.id),
  ],
);
