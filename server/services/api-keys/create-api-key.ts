import { apiKeys } from "@/db/schema";
import { sha256Hex } from "@/server/lib/hashing";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { toApiKey } from "./rows";
import { ZCreateApiKeyInput, type TApiKey, type TCreateApiKeyInput } from "./schemas";
import { apiKeyPrefix, generateApiKeySecret } from "./secret";

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
