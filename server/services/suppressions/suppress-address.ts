import { SUPPRESSION_ADDRESS_PURPOSE, suppressions, type Channel, type SuppressionReason } from "@/db/schema";
import { encryptOptional } from "@/server/lib/crypto";
import { writeAudit } from "../audit/write-audit";
import { actorId, type ServiceContext } from "../context";

export interface TSuppressAddressInput {
  channel: Channel;
  addressHash: string;
  /** The normalised address the hash was computed from, when the writer has it (stored encrypted, shown masked). */
  address?: string | null;
  reason: SuppressionReason;
  source: string;
  note?: string;
  contactId?: string;
}

/**
 * Adds an address (by blind index) to the workspace's suppression list for a channel.
 * Idempotent: the first suppression and its reason are kept. Audited when it is new.
 * Call it inside the transaction of the event that caused it (that transaction as `ctx.db`).
 */
export async function suppressAddress({
  ctx,
  input: entry,
}: {
  ctx: ServiceContext;
  input: TSuppressAddressInput;
}): Promise<{ created: boolean; id: string | null }> {
  const tx = ctx.db;
  const inserted = await tx
    .insert(suppressions)
    .values({
      workspaceId: ctx.workspaceId,
      channel: entry.channel,
      addressHash: entry.addressHash,
      reason: entry.reason,
      source: entry.source,
      note: entry.note ?? null,
      addressCiphertext: encryptOptional(entry.address, SUPPRESSION_ADDRESS_PURPOSE),
      actorType: ctx.actor.type,
      actorId: actorId(ctx.actor),
      createdAt: ctx.now(),
    })
    .onConflictDoNothing()
    .returning({ id: suppressions.id });
  if (inserted.length > 0) {
    await writeAudit(tx, ctx, {
      action: "suppression.added",
      targetType: entry.contactId ? "contact" : "suppression",
      targetId: entry.contactId ?? inserted[0]!.id,
      after: { channel: entry.channel, reason: entry.reason, source: entry.source },
    });
  }
  return { created: inserted.length > 0, id: inserted[0]?.id ?? null };
}
