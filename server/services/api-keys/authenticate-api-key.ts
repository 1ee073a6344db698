import { and, eq, isNull, lt, or } from "drizzle-orm";
import { apiKeys, type ApiKeyScope } from "@/db/schema";
import { safeEqual, sha256Hex } from "@/server/lib/hashing";
import type { PublicContext } from "../context";

export interface AuthenticatedApiKey {
  apiKeyId: string;
  workspaceId: string;
  scopes: ApiKeyScope[];
}

/** `last_used_at` is written at most once a minute per key so a busy key does not write on every call. */
const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * Resolves a bearer secret to its key. Looks up by the SHA-256 (unique index), then compares the
 * hashes in constant time. Revoked or unknown → null.
 */
export async function authenticateApiKey({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: { secret: string };
}): Promise<AuthenticatedApiKey | null> {
  const { db, now } = ctx;
  const { secret } = input;
  if (!secret || secret.length > 512) return null;
  const hash = sha256Hex(secret);
  const [row] = await db
    .select({
      id: apiKeys.id,
      workspaceId: apiKeys.workspaceId,
      scopes: apiKeys.scopes,
      keyHash: apiKeys.keyHash,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, hash));
  if (!row || row.revokedAt || !safeEqual(row.keyHash, hash)) return null;
  const at = now();
  // Most calls of a busy key find it used less than a minute ago: no write, no round trip.
  if (row.lastUsedAt && row.lastUsedAt.getTime() >= at.getTime() - LAST_USED_GRANULARITY_MS) {
    return { apiKeyId: row.id, workspaceId: row.workspaceId, scopes: row.scopes };
  }
  await db
    .update(apiKeys)
    .set({ lastUsedAt: at })
    .where(
      and(
        eq(apiKeys.id, row.id),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(at.getTime() - LAST_USED_GRANULARITY_MS))),
      ),
    );
  return { apiKeyId: row.id, workspaceId: row.workspaceId, scopes: row.scopes };
}
