import { and, eq } from "drizzle-orm";
import { apiKeys } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { toApiKey } from "./rows";
import { ZApiKeyIdInput, type TApiKey } from "./schemas";

/** Revokes a key at once. Idempotent: revoking a revoked key keeps its first revocation time. Audited once. */
export async function revokeApiKey({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<TApiKey> {
  const { id } = ZApiKeyIdInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const [row] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, ctx.workspaceId)))
      .for("update");
    if (!row) throw notFound("API key");
    if (row.revokedAt) return toApiKey(row);
    const [updated] = await tx.update(apiKeys).set({ revokedAt: ctx.now() }).where(eq(apiKeys.id, id)).returning();
    await writeAudit(tx, ctx, {
      action: "api_key.revoked",
      targetType: "api_key",
      targetId: id,
      before: { revoked: false },
      after: { revoked: true },
    });
    return toApiKey(updated!);
  });
}
