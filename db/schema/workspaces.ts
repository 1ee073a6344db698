import { sql } from "drizzle-orm";
import {
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { ROLES } from "../../server/shared/enums";
import { createdAt, id, timestampTz, updatedAt } from "./_columns";

export { ROLES, type Role } from "../../server/shared/enums";

/** A workspace is the brand a contact consents to; every row of workspace data carries its id. */
export const workspaces = pgTable(
  "workspaces",
  {
    id: id(),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    /** ISO country used to read national phone numbers. */
    defaultRegion: text("default_region").notNull().default("US"),
    /** Marks the workspace created by bootstrap; there is exactly one. */
    isDefault: text("is_default"),
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("workspaces_slug_key").on(t.slug),
    uniqueIndex("workspaces_default_key")
      .on(t.isDefault)
      .where(sql`${t.isDefault} is not null`),
  ],
);

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * A workspace's uploaded logo, shown on its hosted pages (forms, confirmation, preference center,
 * unsubscribe). Kept out of `workspaces` so reading a workspace never loads the image.
 */
export const workspaceLogos = pgTable("workspace_logos", {
  workspaceId: uuid("workspace_id")
    .primaryKey()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  contentType: text("content_type").notNull(),
  data: bytea("data").notNull(),
  /** SHA-256 of the bytes, used as the ETag and in the URL so a new logo is never served stale. */
  sha256: text("sha256").notNull(),
  updatedAt: updatedAt(),
});

export const roleEnum = pgEnum("member_role", ROLES);

/** Staff accounts. Global: one person may belong to several workspaces. */
export const users = pgTable(
  "users",
  {
    id: id(),
    /** Lower-cased; the sign-in identifier. */
    email: text("email").notNull(),
    name: text("name"),
    /** `scrypt$N$r$p$salt$hash`; null for magic-link-only accounts. */
    passwordHash: text("password_hash"),
    emailVerifiedAt: timestampTz("email_verified_at"),
    lastSignInAt: timestampTz("last_sign_in_at"),
    disabledAt: timestampTz("disabled_at"),
    /**
     * Carried in the session token at sign-in; a session whose version is older is refused.
     * Raised by a password change (the session that made the change is re-issued with the new one).
     */
    sessionVersion: integer("session_version").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email)],
);

export const memberships = pgTable(
  "memberships",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: roleEnum("role").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

/** Pending invitations; the token is stored only as a SHA-256 hash. */
export const invitations = pgTable(
  "invitations",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: roleEnum("role").notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedByUserId: uuid("invited_by_user_id").references(() => users.id, { onDelete: "set null" }),
    expiresAt: timestampTz("expires_at").notNull(),
    acceptedAt: timestampTz("accepted_at"),
    revokedAt: timestampTz("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("invitations_token_hash_key").on(t.tokenHash),
    /** At most one open invitation per address and workspace. */
    uniqueIndex("invitations_open_key")
      .on(t.workspaceId, t.email)
      .where(sql`${t.acceptedAt} is null and ${t.revokedAt} is null`),
  ],
);

/** Auth.js magic-link tokens (hashed by Auth.js before they reach us). */
export const verificationTokens = pgTable(
  "verification_tokens",
  {
    identifier: text("identifier").notNull(),
    token: text("token").notNull(),
    expires: timestampTz("expires").notNull(),
  },
  (t) => [primaryKey({ columns: [t.identifier, t.token] }), index("verification_tokens_expires_idx").on(t.expires)],
);
