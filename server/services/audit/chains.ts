import { and, asc, eq, gt, isNotNull, isNull } from "drizzle-orm";
import { auditCheckpoints, auditLog } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { computeAuditHash, defaultAuditKeyRing, type AuditKeyRing } from "./audit-hash";
import type { TAuditChainBreak, TAuditChainReport } from "./schemas";

export const PAGE_SIZE = 5_000;

/** Distinct workspace ids with audit rows, by a skip scan over the (workspace_id, seq) index; null last. */
export async function* listChainWorkspaceIds(db: Queryable): AsyncGenerator<string | null> {
  let after: string | null = null;
  for (;;) {
    const [next] = await db
      .select({ workspaceId: auditLog.workspaceId })
      .from(auditLog)
      .where(after === null ? isNotNull(auditLog.workspaceId) : gt(auditLog.workspaceId, after))
      .orderBy(asc(auditLog.workspaceId))
      .limit(1);
    if (!next?.workspaceId) break;
    after = next.workspaceId;
    yield after;
  }
  const [global] = await db.select({ seq: auditLog.seq }).from(auditLog).where(isNull(auditLog.workspaceId)).limit(1);
  if (global) yield null;
}

/** Where retention left the workspace's chain: the last deleted entry (none: the chain is whole). */
async function readCheckpoint(db: Queryable, workspaceId: string | null) {
  if (workspaceId === null) return null;
  const [checkpoint] = await db
    .select({ seq: auditCheckpoints.seq, hash: auditCheckpoints.hash, hashKeyId: auditCheckpoints.hashKeyId })
    .from(auditCheckpoints)
    .where(eq(auditCheckpoints.workspaceId, workspaceId));
  return checkpoint ?? null;
}

/**
 * Verifies one chain from its start, or from its retention checkpoint when the purge deleted its
 * oldest entries: the first remaining entry must then name the checkpoint's hash as its
 * predecessor (and, the deleted entries being keyed, be keyed too). A purge committing while the
 * walk runs moves the checkpoint; the walk then starts over once from the new one.
 */
export async function verifyOneChain(
  db: Queryable,
  workspaceId: string | null,
  pageSize = PAGE_SIZE,
  ring: AuditKeyRing = defaultAuditKeyRing(),
): Promise<TAuditChainReport> {
  const checkpoint = await readCheckpoint(db, workspaceId);
  const report = await walkChain(db, workspaceId, checkpoint, pageSize, ring);
  if (report.ok) return report;
  const moved = await readCheckpoint(db, workspaceId);
  if (moved && moved.seq !== checkpoint?.seq) return walkChain(db, workspaceId, moved, pageSize, ring);
  return report;
}

async function walkChain(
  db: Queryable,
  workspaceId: string | null,
  checkpoint: Awaited<ReturnType<typeof readCheckpoint>>,
  pageSize: number,
  ring: AuditKeyRing,
): Promise<TAuditChainReport> {
  const inChain = workspaceId === null ? isNull(auditLog.workspaceId) : eq(auditLog.workspaceId, workspaceId);
  let rows = 0;
  let legacyRows = 0;
  let unkeyedRows = 0;
  let isKeyed = checkpoint?.hashKeyId != null;
  let lastSeq: number | null = checkpoint?.seq ?? null;
  let expectedPrevHash: string | null = checkpoint?.hash ?? null;
  let isChainStarted = expectedPrevHash !== null;

  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(lastSeq === null ? inChain : and(inChain, gt(auditLog.seq, lastSeq)))
      .orderBy(asc(auditLog.seq))
      .limit(pageSize);

    for (const row of page) {
      const broken = (reason: TAuditChainBreak): TAuditChainReport => ({
        ok: false,
        workspaceId,
        rows,
        brokenAtSeq: row.seq,
        reason,
      });
      if (row.hash === null) {
        // Rows older than the chain may only come first; a missing hash later is tampering.
        if (isChainStarted) return broken("hash_mismatch");
        legacyRows++;
      } else {
        if (row.prevHash !== expectedPrevHash) return broken("prev_hash_mismatch");
        if (row.hashKeyId === null) {
          // Unkeyed rows may only lead the chain: after a keyed row one would be a forgery.
          if (isKeyed) return broken("hash_mismatch");
          unkeyedRows++;
        } else {
          if (!ring.byId.has(row.hashKeyId)) return broken("unknown_key");
          isKeyed = true;
        }
        if (computeAuditHash(row, ring) !== row.hash) return broken("hash_mismatch");
        expectedPrevHash = row.hash;
        isChainStarted = true;
      }
      rows++;
      lastSeq = row.seq;
    }
    if (page.length < pageSize) break;
  }
  return {
    ok: true,
    workspaceId,
    rows,
    legacyRows,
    unkeyedRows,
    lastSeq,
    lastHash: expectedPrevHash,
    checkpointSeq: checkpoint?.seq ?? null,
  };
}
