import { SUPPRESSION_ADDRESS_PURPOSE, suppressions, type Channel } from "@/db/schema";
import { encryptOptional } from "@/server/lib/crypto";
import { writeAuditMany } from "../audit/write-audit";
import { actorId, type ServiceContext } from "../context";
import type { TSuppressAddressInput } from "./suppress-address";

/**
 * `suppressAddress` for many addresses of one workspace at once, with the same rows and audit
 * entries: one INSERT (an address already suppressed keeps its row and gets no audit entry), then
 * the audit rows of the new suppressions in one INSERT (`writeAuditMany`), so the workspace's audit
 * chain is locked only for that last statement. Inside the caller's transaction. Returns the
 * suppressions created.
 */
export async function suppressAddresses({
  ctx,
  input: entries,
}: {
  ctx: ServiceContext;
  input: TSuppressAddressInput[];
}): Promise<{ created: { id: string; channel: Channel; addressHash: string }[] }> {
  // One row per address (the primary key), the first entry's reason and note.
  const byKey = new Map<string, TSuppressAddressInput>();
  for (const entry of entries) {
    const key = `${entry.channel}|${entry.addressHash}`;
    if (!byKey.has(key)) byKey.set(key, entry);
  }
  if (byKey.size === 0) return { created: [] };
  const now = ctx.now();
  const inserted = await ctx.db
    .insert(suppressions)
    .values(
      [...byKey.values()].map((entry) => ({
        workspaceId: ctx.workspaceId,
        channel: entry.channel,
        addressHash: entry.addressHash,
        reason: entry.reason,
        source: entry.source,
        note: entry.note ?? null,
        addressCiphertext: encryptOptional(entry.address, SUPPRESSION_ADDRESS_PURPOSE),
        actorType: ctx.actor.type,
        actorId: actorId(ctx.actor),
        createdAt: now,
      })),
    )
    .onConflictDoNothing()
    .returning({ id: suppressions.id, channel: suppressions.channel, addressHash: suppressions.addressHash });
  await writeAuditMany(
    ctx.db,
    ctx,
    inserted.map((row) => {
      const entry = byKey.get(`${row.channel}|${row.addressHash}`)!;
      return {
        action: "suppression.added",
        targetType: entry.contactId ? "contact" : "suppression",
        targetId: entry.contactId ?? row.id,
        after: { channel: entry.channel, reason: entry.reason, source: entry.source },
      };
    }),
  );
  return { created: inserted };
}
