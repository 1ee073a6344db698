import type { ServiceContext } from "../context";
import { verifyOneChain } from "./chains";
import type { TAuditChainReport } from "./schemas";

/** The admin UI's check: this workspace's chain only. Read-only; not audited. */
export async function verifyWorkspaceAuditChain({ ctx }: { ctx: ServiceContext }): Promise<TAuditChainReport> {
  return verifyOneChain(ctx.db, ctx.workspaceId);
}
