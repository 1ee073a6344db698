import type { JobContext } from "../context";
import { defaultAuditKeyRing, type AuditKeyRing } from "./audit-hash";
import { listChainWorkspaceIds, PAGE_SIZE, verifyOneChain } from "./chains";
import type { TAuditChainBreak, TAuditChainReport } from "./schemas";

export type TVerifyAuditChainResult = (
  { ok: true; rows: number } | { ok: false; workspaceId: string | null; brokenAtSeq: number; reason: TAuditChainBreak }
) & { chains: TAuditChainReport[] };

export interface TVerifyAuditChainInput {
  /** One chain only: a workspace's id, or null for the rows without a workspace. */
  workspaceId?: string | null;
  /** Called as each chain finishes (the CLI prints one line per chain as it goes). */
  onChain?: (report: TAuditChainReport) => void;
  /** Rows per keyset page (tests use tiny pages). */
  pageSize?: number;
  /** The audit keys (default: derived from this process's ENCRYPTION_KEYS). */
  ring?: AuditKeyRing;
}

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
 * first broken chain. Reads only the database (no clock, no actor), so `ctx` needs only `db`.
 */
export async function verifyAuditChain({
  ctx,
  input = {},
}: {
  ctx: Pick<JobContext, "db">;
  input?: TVerifyAuditChainInput;
}): Promise<TVerifyAuditChainResult> {
  const { workspaceId, onChain, pageSize = PAGE_SIZE, ring = defaultAuditKeyRing() } = input;
  const chains: TAuditChainReport[] = [];
  const ids = workspaceId !== undefined ? [workspaceId] : listChainWorkspaceIds(ctx.db);
  for await (const id of ids) {
    const report = await verifyOneChain(ctx.db, id, pageSize, ring);
    chains.push(report);
    onChain?.(report);
  }
  const broken = chains.find((chain) => !chain.ok);
  if (broken && !broken.ok) {
    return {
      ok: false,
      workspaceId: broken.workspaceId,
      brokenAtSeq: broken.brokenAtSeq,
      reason: broken.reason,
      chains,
    };
  }
  return { ok: true, rows: chains.reduce((sum, chain) => sum + chain.rows, 0), chains };
}
