import type { apiKeys } from "@/db/schema";
import type { TApiKey } from "./schemas";

export function toApiKey(row: typeof apiKeys.$inferSelect): TApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}
