import { apiKeys } from "@/db/schema";
import { randomToken, sha256Hex } from "@/server/lib/hashing";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { ZCreateApiKeyInput, type TApiKey, type TCreateApiKeyInput } from "./schemas";

/** Key format: `om_` + 43 url-safe characters (256 bits). Only the SHA-256 is stored. */
export function generateApiKeySecret(): string {
  return `om_${randomToken(32)}`;
}

export function apiKeyPrefix(secret: string): string {
  return secret.length > 12 ? `${secret.slice(0, 10)}…` : "••••";
}

/** Creates a key and returns its secret once. Not idempotent (each call makes a new key). Audited. */
export async function createApiKey({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCreateApiKeyInput;
}): Promise<TApiKey & { secret: string }> {
  const { name, scopes } = ZCreateApiKeyInput.parse(input);
  const secret = generateApiKeySecret();
  return inTransaction(ctx.db, async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        workspaceId: ctx.workspaceId,
        name,
        prefix: apiKeyPrefix(secret),
        keyHash: sha256Hex(secret),
        scopes: [...new Set(scopes)],
        createdByUserId: ctx.actor.type === "user" ? ctx.actor.userId : null,
        createdAt: ctx.now(),
      })
      .returning();
    await writeAudit(tx, ctx, {
      action: "api_key.created",
      targetType: "api_key",
      targetId: row!.id,
      after: { name, scopes: row!.scopes },
    });
    return { ...toApiKey(row!), secret };
  });
}

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
