import { randomUUID } from "node:crypto";
import { desc, eq, isNull } from "drizzle-orm";
import { auditLog } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { actorId, inTransaction, type Actor } from "../context";
import { computeAuditHash, defaultAuditKeyRing, normalizeJson } from "./audit-hash";
import { lockClass } from "@/server/lib/advisory-locks";

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string | null;
  /** Never raw PII: ids, flags, masked values. */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/**
 * First key of the two-key advisory lock that serializes appends to one audit chain; the second
 * key is `hashtext` of the workspace id. Two workspaces whose ids collide merely share a lock.
 */
export const AUDIT_CHAIN_LOCK = 0x4155_4454; // "AUDT"

/**
 * Appends one audit row, linked into its workspace's hash chain. Call it inside the transaction
 * of the change it records so the two commit or roll back together (given the database instead,
 * it opens a transaction of its own).
 *
 * Invariant: one chain per workspace (one for rows without a workspace) never forks. The row
 * takes a transaction-scoped advisory lock on its chain, then reads the chain's latest hash, so
 * concurrent writers append one after another and `seq` order is chain order. The lock is held
 * until the caller's transaction ends. Requires READ COMMITTED (the default): under REPEATABLE
 * READ the read after the lock could miss a row committed meanwhile.
 */
export async function writeAudit(
  tx: Queryable,
  ctx: { workspaceId?: string | null; actor: Actor; now: () => Date; requestId?: string },
  entry: AuditEntry,
): Promise<void> {
  await writeAuditMany(tx, ctx, [entry]);
}

/**
 * Appends audit rows of one workspace's chain (the rules of `writeAudit`, which appends one
 * through it) in one INSERT: the chain's lock, one read of its latest hash, the rows linked in
 * order in memory. Set-based writers (the webhook drain's suppressions) save three statements per
 * row and keep the chain locked for one statement. Inside the caller's transaction (given the
 * database, in one of its own); nothing when `entries` is empty.
 */
export async function writeAuditMany(
  tx: Queryable,
  ctx: { workspaceId?: string | null; actor: Actor; now: () => Date; requestId?: string },
  entries: AuditEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const workspaceId = ctx.workspaceId ?? null;
  const ring = defaultAuditKeyRing();
  await inTransaction(tx, async (t) => {
    await lockClass(t, AUDIT_CHAIN_LOCK, workspaceId ?? "");
    const [latest] = await t
      .select({ hash: auditLog.hash })
      .from(auditLog)
      .where(workspaceId ? eq(auditLog.workspaceId, workspaceId) : isNull(auditLog.workspaceId))
      .orderBy(desc(auditLog.seq))
      .limit(1);
    // A chain starts (prevHash null) at its first row, or after rows older than the chain.
    let prevHash = latest?.hash ?? null;
    const createdAt = ctx.now();
    const rows = entries.map((entry) => {
      const row = {
        id: randomUUID(),
        workspaceId,
        actorType: ctx.actor.type,
        actorId: actorId(ctx.actor),
        action: entry.action,
        targetType: entry.targetType ?? null,
        targetId: entry.targetId ?? null,
        before: normalizeJson(entry.before),
        after: normalizeJson(entry.after),
        requestId: ctx.requestId ?? null,
        createdAt,
        prevHash,
        // Signed with the audit key derived from the current ENCRYPTION_KEYS entry.
        hashKeyId: ring.current.id,
      };
      const hash = computeAuditHash(row, ring);
      prevHash = hash;
      return { ...row, hash };
    });
    // `seq` follows the VALUES order, so the chain reads back in the order it was linked.
    await t.insert(auditLog).values(rows);
  });
}
