import { and, desc, eq, inArray } from "drizzle-orm";
import { suppressions, type Channel, type SuppressionReason } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { writeAudit } from "../audit/write-audit";
import type { ServiceContext } from "../context";

/**
 * Adds an address (by blind index) to the workspace's suppression list for a channel.
 * Idempotent: the first suppression and its reason are kept. Audited when it is new.
 * Call it inside the transaction of the event that caused it.
 */
export async function suppressAddress(
  tx: Queryable,
  ctx: ServiceContext,
  entry: { channel: Channel; addressHash: string; reason: SuppressionReason; source: string; note?: string; contactId?: string },
): Promise<{ created: boolean }> {
  const inserted = await tx
    .insert(suppressions)
    .values({
      workspaceId: ctx.workspaceId,
      channel: entry.channel,
      addressHash: entry.addressHash,
      reason: entry.reason,
      source: entry.source,
      note: entry.note ?? null,
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
  return { created: inserted.length > 0 };
}

/** Which of these address hashes are suppressed on the channel (set-based, for imports and sends). */
export async function suppressedHashes(db: Queryable, workspaceId: string, channel: Channel, hashes: string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await db
    .select({ hash: suppressions.addressHash })
    .from(suppressions)
    .where(and(eq(suppressions.workspaceId, workspaceId), eq(suppressions.channel, channel), inArray(suppressions.addressHash, hashes)));
  return new Set(rows.map((r) => r.hash));
}

export async function isSuppressed(db: Queryable, workspaceId: string, channel: Channel, hash: string): Promise<SuppressionReason | null> {
  const [row] = await db
    .select({ reason: suppressions.reason })
    .from(suppressions)
    .where(and(eq(suppressions.workspaceId, workspaceId), eq(suppressions.channel, channel), eq(suppressions.addressHash, hash)));
  return row?.reason ?? null;
}

export async function listSuppressions({ ctx, input }: { ctx: ServiceContext; input: { limit?: number } }) {
  return ctx.db
    .select({ id: suppressions.id, channel: suppressions.channel, reason: suppressions.reason, source: suppressions.source, createdAt: suppressions.createdAt })
    .from(suppressions)
    .where(eq(suppressions.workspaceId, ctx.workspaceId))
    .orderBy(desc(suppressions.createdAt))
    .limit(Math.min(input.limit ?? 100, 500));
}
