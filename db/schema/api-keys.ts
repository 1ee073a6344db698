import { index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz } from "./_columns";
import type { ApiKeyScope } from "../../server/shared/enums";
import { users, workspaces } from "./workspaces";

export { API_KEY_SCOPES, type ApiKeyScope } from "../../server/shared/enums";

/**
 * API keys: only a SHA-256 of the secret is stored (secrets are high-entropy, so a fast hash
 * is the right one; `INIT_ADMIN_API_KEY` must be at least 32 random-looking characters).
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** First characters of the secret, shown in the UI to tell keys apart. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    scopes: text("scopes").array().$type<ApiKeyScope[]>().notNull(),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    lastUsedAt: timestampTz("last_used_at"),
    revokedAt: timestampTz("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("api_keys_key_hash_key").on(t.keyHash), index("api_keys_workspace_idx").on(t.workspaceId)],
);
