import { and, eq } from "drizzle-orm";
import { suppressions } from "@/db/schema";
import { inTransaction, requireAccess, type ServiceContext } from "../context";
import { parseInput } from "./parse";
import { resolveSuppressionAddress, selectSuppressions, toSuppression } from "./rows";
import { ZAddSuppressionInput, type TAddSuppressionInput, type TAddSuppressionResult } from "./schemas";
import { suppressAddress } from "./suppress-address";

/**
 * Suppresses an address on a channel by hand (reason `manual`, source `manual`). Idempotent: when
 * the address is already suppressed on the channel (for any reason), nothing changes and the
 * existing suppression is returned with `created: false`. A bad address is INVALID naming `address`.
 * Audited (`suppression.added`, no address in the entry).
 */
export async function addSuppression({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TAddSuppressionInput;
}): Promise<TAddSuppressionResult> {
  requireAccess(ctx, { scope: "contacts:write", role: "marketer", what: "adding suppressions" });
  const parsed = parseInput(ZAddSuppressionInput, input);
  const target = await resolveSuppressionAddress(ctx.db, ctx.workspaceId, parsed.address, parsed.channel);
  return inTransaction(ctx.db, async (tx) => {
    const { created } = await suppressAddress({
      ctx: { ...ctx, db: tx },
      input: {
        channel: target.channel,
        addressHash: target.hash,
        address: target.address,
        reason: "manual",
        source: "manual",
        note: parsed.note || undefined,
      },
    });
    const [row] = await selectSuppressions(
      tx,
      and(
        eq(suppressions.workspaceId, ctx.workspaceId),
        eq(suppressions.channel, target.channel),
        eq(suppressions.addressHash, target.hash),
      ),
    );
    return { created, suppression: toSuppression(row!) };
  });
}
