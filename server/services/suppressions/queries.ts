import { and, eq, inArray } from "drizzle-orm";
import { suppressions, type Channel, type SuppressionReason } from "@/db/schema";
import type { Queryable } from "@/db/client";

/** Which of these address hashes are suppressed on the channel (set-based, for imports and sends). */
export async function suppressedHashes(
  db: Queryable,
  workspaceId: string,
  channel: Channel,
  hashes: string[],
): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await db
    .select({ hash: suppressions.addressHash })
    .from(suppressions)
    .where(
      and(
        eq(suppressions.workspaceId, workspaceId),
        eq(suppressions.channel, channel),
        inArray(suppressions.addressHash, hashes),
      ),
    );
  return new Set(rows.map((r) => r.hash));
}

export async function isSuppressed(
  db: Queryable,
  workspaceId: string,
  channel: Channel,
  hash: string,
): Promise<SuppressionReason | null> {
  const [row] = await db
    .select({ reason: suppressions.reason })
    .from(suppressions)
    .where(
      and(
        eq(suppressions.workspaceId, workspaceId),
        eq(suppressions.channel, channel),
        eq(suppressions.addressHash, hash),
      ),
    );
  return row?.reason ?? null;
}
