import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";
import { sealedJsonb } from "./_sealed-json";
import { CONSENT_EVIDENCE_SEALED_KEYS } from "./consent";
import { contacts } from "./contacts";
import { messages } from "./messages";
import { channelEnum } from "./topics";
import { CONFIRMATION_METHODS } from "../../server/shared/enums";
import type { FormDefinition } from "../../server/shared/forms";
import { workspaces } from "./workspaces";

export type { FormDefinition } from "../../server/shared/forms";
export { CONFIRMATION_METHODS, type ConfirmationMethod } from "../../server/shared/enums";

/** Hosted opt-in forms (`/f/{key}`). Edits create a new immutable version; submissions record the version used. */
export const forms = pgTable(
  "forms",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** Public, unguessable key in the form URL. */
    key: text("key").notNull(),
    name: text("name").notNull(),
    currentVersion: integer("current_version").notNull().default(1),
    archivedAt: timestampTz("archived_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("forms_key_key").on(t.key), index("forms_workspace_idx").on(t.workspaceId)],
);

export const formVersions = pgTable(
  "form_versions",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    formId: uuid("form_id")
      .notNull()
      .references(() => forms.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    definition: jsonb("definition").$type<FormDefinition>().notNull(),
    /** SHA-256 of the consent text (the text itself is in consent_texts). */
    consentTextHash: text("consent_text_hash").notNull(),
    createdByUserId: uuid("created_by_user_id"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("form_versions_form_version_key").on(t.formId, t.version)],
);

export const confirmationMethodEnum = pgEnum("confirmation_method", CONFIRMATION_METHODS);

/**
 * Double opt-in / proof of control: a pending grant of consent waiting for the link that reached
 * the address (email) or the code sent to it (SMS). Secrets are stored hashed; attempts are capped.
 */
export const consentConfirmations = pgTable(
  "consent_confirmations",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    contactId: uuid("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    channel: channelEnum("channel").notNull(),
    topicIds: uuid("topic_ids").array().notNull(),
    method: confirmationMethodEnum("method").notNull(),
    /** SHA-256 of the link token or of the code (codes are salted with the confirmation id). */
    secretHash: text("secret_hash").notNull(),
    /** Blind index of the address, for per-address rate limits. */
    addressHash: text("address_hash").notNull(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(5),
    source: text("source").notNull(),
    /** The evidence of the original request (ip, user agent, form version, text hash); ip, user agent and note encrypted at rest. */
    evidence: sealedJsonb<Record<string, string>>("evidence", {
      keys: CONSENT_EVIDENCE_SEALED_KEYS,
      purpose: "confirmation.evidence",
    })
      .notNull()
      .default({}),
    formVersionId: uuid("form_version_id"),
    /** The message that carries the link or code (recorded in the same transaction; see the Outbox). */
    messageId: uuid("message_id").references(() => messages.id, { onDelete: "set null" }),
    expiresAt: timestampTz("expires_at").notNull(),
    confirmedAt: timestampTz("confirmed_at"),
    /** Set when attempts ran out or it expired (then an `expired` ledger event was written). */
    closedAt: timestampTz("closed_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("consent_confirmations_secret_key").on(t.secretHash),
    index("consent_confirmations_address_idx").on(t.workspaceId, t.addressHash, t.createdAt),
    index("consent_confirmations_open_idx")
      .on(t.expiresAt)
      .where(sql`${t.confirmedAt} is null and ${t.closedAt} is null`),
  ],
);
