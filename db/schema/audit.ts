import { bigint, index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz } from "./_columns";
import { workspaces } from "./workspaces";

/**
 * Who did what, written in the same transaction as the change. `before`/`after` never hold raw
 * PII (ids, masked values, flags only). Append-only: a trigger (migration 0002) refuses UPDATE,
 * DELETE and TRUNCATE; the hash chain detects what a superuser changes behind the trigger's back.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: id(),
    /** Insertion order (timestamps can tie within a millisecond). */
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity(),
    workspaceId: uuid("workspace_id").references(() => workspaces.id, { onDelete: "cascade" }),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    before: jsonb("before").$type<Record<string, unknown>>(),
    after: jsonb("after").$type<Record<string, unknown>>(),
    requestId: text("request_id"),
    createdAt: createdAt(),
    /**
     * Hash chain, one chain per workspace (and one for rows without a workspace): `hash` is the
     * keyed hash (HMAC-SHA256, see `hashKeyId`) of the row's canonical content plus `prevHash`, the `hash` of the previous row of
     * the same chain (null for the first). NULL `hash` only on rows written before the chain
     * existed (migration 0001); see server/services/audit/audit-hash.ts.
     */
    prevHash: text("prev_hash"),
    hash: text("hash"),
    /**
     * Which ENCRYPTION_KEYS entry's derived audit key signed `hash` (HMAC-SHA256). NULL on rows
     * hashed with plain SHA-256 before the chain was keyed (migration 0010).
     */
    hashKeyId: text("hash_key_id"),
  },
  (t) => [index("audit_log_workspace_seq_idx").on(t.workspaceId, t.seq)],
);

/**
 * Where a workspace's audit chain starts after retention deleted its oldest entries: the last
 * deleted entry's `seq`, `hash` and signing key. The first remaining entry names that hash as its
 * `prevHash`, so verification starts here instead of at a chain start (see
 * server/services/retention/purge-retention.ts). One row per workspace, moved forward by each purge.
 */
export const auditCheckpoints = pgTable("audit_checkpoints", {
  workspaceId: uuid("workspace_id")
    .primaryKey()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  /** The last deleted entry's sequence number. */
  seq: bigint("seq", { mode: "number" }).notNull(),
  /** Its hash (null when only entries older than the chain were deleted). */
  hash: text("hash"),
  /** Its signing key id (null: unkeyed or older than the chain). */
  hashKeyId: text("hash_key_id"),
  /** Entries deleted so far, over every purge. */
  purgedRows: bigint("purged_rows", { mode: "number" }).notNull(),
  updatedAt: timestampTz("updated_at").notNull(),
});
