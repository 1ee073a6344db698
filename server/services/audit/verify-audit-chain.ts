import { and, asc, eq, gt, isNotNull, isNull } from "drizzle-orm";
import { z } from "zod";
import { auditLog } from "@/db/schema";
import type { Queryable } from "@/db/client";
import type { ServiceContext } from "../context";
import { computeAuditHash, defaultAuditKeyRing, type AuditKeyRing } from "./audit-hash";

export const ZAuditChainBreak = z.enum(["hash_mismatch", "prev_hash_mismatch", "unknown_key"]);
export type TAuditChainBreak = z.infer<typeof ZAuditChainBreak>;

/** One chain's outcome: a workspace's rows, or (workspaceId null) the rows without a workspace. */
export const ZAuditChainReport = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    workspaceId: z.string().nullable(),
    /** Rows checked, legacy rows included. */
    rows: z.number().int(),
    /** Leading rows written before the chain existed (no hash; not verifiable). */
    legacyRows: z.number().int(),
    /**
     * Leading rows hashed before the chain was keyed (plain SHA-256). They are protected by the
     * first keyed row after them; a chain of only such rows can be rewritten by anyone.
     */
    unkeyedRows: z.number().int(),
    /** The chain's head; record it elsewhere to detect a later truncation of the tail. */
    lastSeq: z.number().int().nullable(),
    lastHash: z.string().nullable(),
  }),
  z.object({
    ok: z.literal(false),
    workspaceId: z.string().nullable(),
    /** Rows verified before the broken one. */
    rows: z.number().int(),
    brokenAtSeq: z.number().int(),
    reason: ZAuditChainBreak,
  }),
]);
export type TAuditChainReport = z.infer<typeof ZAuditChainReport>;

export type TVerifyAuditChainResult = (
  | { ok: true; rows: number }
  | { ok: false; workspaceId: string | null; brokenAtSeq: number; reason: TAuditChainBreak }
) & { chains: TAuditChainReport[] };

const PAGE_SIZE = 5_000;

/**
 * Walks the audit hash chains in `seq` order and reports the FIRST broken link of each:
 * `hash_mismatch` when a row's content no longer matches its keyed hash (edited, re-hashed without
 * the key, hash missing after the chain started, or an unkeyed hash after the first keyed row),
 * `unknown_key` when a row names an audit key that ENCRYPTION_KEYS no longer holds, `prev_hash_mismatch` when a row does not name its predecessor's hash (a row
 * before it was deleted, inserted or re-hashed). A deleted row is therefore reported at the row
 * after it. Deleting the newest rows of a chain leaves no broken link: compare `lastHash` with a
 * recorded head for that.
 *
 * Read-only; pages by keyset on (workspace_id, seq), PAGE_SIZE rows at a time, so memory stays
 * flat on millions of rows. With `workspaceId` only that chain is walked; without, every chain
 * (workspaces in id order, then the rows without a workspace) and the overall result names the
 * first broken chain.
 */
export async function verifyAuditChain({
  db,
  workspaceId,
  onChain,
  pageSize = PAGE_SIZE,
  ring = defaultAuditKeyRing(),
}: {
  db: Queryable;
  /** One chain only: a workspace's id, or null for the rows without a workspace. */
  workspaceId?: string | null;
  /** Called as each chain finishes (the CLI prints one line per chain as it goes). */
  onChain?: (report: TAuditChainReport) => void;
  /** Rows per keyset page (tests use tiny pages). */
  pageSize?: number;
  /** The audit keys (default: derived from this process's ENCRYPTION_KEYS). */
  ring?: AuditKeyRing;
}): Promise<TVerifyAuditChainResult> {
  const chains: TAuditChainReport[] = [];
  const ids = workspaceId !== undefined ? [workspaceId] : listChainWorkspaceIds(db);
  for await (const id of ids) {
    const report = await verifyOneChain(db, id, pageSize, ring);
    chains.push(report);
    onChain?.(report);
  }
  const broken = chains.find((chain) => !chain.ok);
  if (broken && !broken.ok) {
    return { ok: false, workspaceId: broken.workspaceId, brokenAtSeq: broken.brokenAtSeq, reason: broken.reason, chains };
  }
  return { ok: true, rows: chains.reduce((sum, chain) => sum + chain.rows, 0), chains };
}

/** Distinct workspace ids with audit rows, by a skip scan over the (workspace_id, seq) index; null last. */
async function* listChainWorkspaceIds(db: Queryable): AsyncGenerator<string | null> {
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

async function verifyOneChain(
  db: Queryable,
  workspaceId: string | null,
  pageSize = PAGE_SIZE,
  ring: AuditKeyRing = defaultAuditKeyRing(),
): Promise<TAuditChainReport> {
  const inChain = workspaceId === null ? isNull(auditLog.workspaceId) : eq(auditLog.workspaceId, workspaceId);
  let rows = 0;
  let legacyRows = 0;
  let unkeyedRows = 0;
  let isKeyed = false;
  let lastSeq: number | null = null;
  let expectedPrevHash: string | null = null;
  let isChainStarted = false;

  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(lastSeq === null ? inChain : and(inChain, gt(auditLog.seq, lastSeq)))
      .orderBy(asc(auditLog.seq))
      .limit(pageSize);

    for (const row of page) {
      const broken = (reason: TAuditChainBreak): TAuditChainReport => ({ ok: false, workspaceId, rows, brokenAtSeq: row.seq, reason });
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
  return { ok: true, workspaceId, rows, legacyRows, unkeyedRows, lastSeq, lastHash: expectedPrevHash };
}

/** The admin UI's check: this workspace's chain only. Read-only; not audited. */
export async function verifyWorkspaceAuditChain({ ctx }: { ctx: ServiceContext }): Promise<TAuditChainReport> {
  return verifyOneChain(ctx.db, ctx.workspaceId);
}
