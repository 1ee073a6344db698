import { and, eq } from "drizzle-orm";
import { suppressions } from "@/db/schema";
import { conflict, notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, requireAccess, type ServiceContext } from "../context";
import { parseInput } from "./parse";
import { ZRemoveSuppressionInput, type TRemoveSuppressionInput } from "./schemas";

/**
 * Takes a suppression off the list, so the address may be messaged again where consent allows it:
 * removing a suppression opts no one in. Suppressions of erased contacts (`erased`) stay: CONFLICT.
 * Another workspace's id is NOT_FOUND. Audited (`suppression.removed`, channel and reason, no address).
 */
export async function removeSuppression({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TRemoveSuppressionInput;
}): Promise<{ id: string }> {
  requireAccess(ctx, { scope: "contacts:write", role: "marketer", what: "removing suppressions" });
  const { id } = parseInput(ZRemoveSuppressionInput, input);
  return inTransaction(ctx.db, async (tx) => {
    const where = and(eq(suppressions.workspaceId, ctx.workspaceId), eq(suppressions.id, id));
    const [row] = await tx
      .select({
        id: suppressions.id,
        channel: suppressions.channel,
        reason: suppressions.reason,
        source: suppressions.source,
      })
      .from(suppressions)
      .where(where)
      .for("update");
    if (!row) throw notFound("Suppression");
    if (row.reason === "erased")
      throw conflict(
        "This suppression belongs to an erased contact and cannot be removed: the address must never be messaged again",
      );
    await tx.delete(suppressions).where(where);
    await writeAudit(tx, ctx, {
      action: "suppression.removed",
      targetType: "suppression",
      targetId: row.id,
      before: { channel: row.channel, reason: row.reason, source: row.source },
    });
    return { id: row.id };
  });
}
