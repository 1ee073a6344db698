import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";
import { workspaces } from "./workspaces";

/**
 * People a workspace may message. Email, phone and names are stored encrypted (AES-256-GCM,
 * server/lib/crypto.ts); `email_hash`/`phone_hash` are keyed blind indexes for exact lookups.
 * The partial unique indexes make "the same person twice" impossible per workspace.
 */
export const contacts = pgTable(
  "contacts",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    emailCiphertext: text("email_ciphertext"),
    emailHash: text("email_hash"),
    phoneCiphertext: text("phone_ciphertext"),
    phoneHash: text("phone_hash"),
    firstNameCiphertext: text("first_name_ciphertext"),
    lastNameCiphertext: text("last_name_ciphertext"),
    /** BCP 47, e.g. "en-US". */
    locale: text("locale"),
    /** IANA, e.g. "America/New_York". */
    timezone: text("timezone"),
    tags: text("tags")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /**
     * Keyed search index: HMAC-SHA-256 (a key derived from the blind-index key, scoped to the
     * workspace) of each normalised first/last name token and of each email prefix of three or
     * more characters. Lets the contacts list match a name or the start of an address without
     * decrypting; reveals only which contacts share a token. Rewritten with the row, emptied on
     * erasure (server/services/contacts/search-tokens.ts).
     */
    searchTokens: text("search_tokens")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /**
     * ISO 3166-1 alpha-2 country of the phone number (`phoneCountry` in server/lib/addresses.ts),
     * null without a phone or when the number belongs to no single country. Segments read a
     * contact's country from here, else from `attributes.country`.
     */
    phoneCountry: text("phone_country"),
    attributes: jsonb("attributes").$type<Record<string, unknown>>().notNull().default({}),
    /**
     * The CSV import, and its line, that last created or updated this contact. An import finds an
     * address repeated within its own file through this (memory stays flat in the file size).
     */
    importId: uuid("import_id"),
    importLine: integer("import_line"),
    /** Set when the contact was erased (GDPR): PII columns are nulled, the row stays for references. */
    erasedAt: timestampTz("erased_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("contacts_workspace_email_key")
      .on(t.workspaceId, t.emailHash)
      .where(sql`${t.emailHash} is not null`),
    uniqueIndex("contacts_workspace_phone_key")
      .on(t.workspaceId, t.phoneHash)
      .where(sql`${t.phoneHash} is not null`),
    index("contacts_workspace_created_idx").on(t.workspaceId, t.createdAt),
    index("contacts_workspace_phone_country_idx").on(t.workspaceId, t.phoneCountry),
    // Contacts whose phone country is still to be derived (the start-up backfill): empty once done.
    index("contacts_phone_country_missing_idx")
      .on(t.id)
      .where(sql`${t.phoneCountry} is null and ${t.phoneCiphertext} is not null and ${t.erasedAt} is null`),
    index("contacts_tags_idx").using("gin", t.tags),
    index("contacts_search_tokens_idx").using("gin", t.searchTokens),
  ],
);
