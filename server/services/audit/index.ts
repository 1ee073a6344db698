export {
  listAudit,
  AUDIT_ACTOR_TYPES,
  ZAuditEntry,
  ZListAuditInput,
  type TAuditEntry,
  type TListAuditInput,
} from "./list-audit";
export { verifyAuditChain, type TVerifyAuditChainInput, type TVerifyAuditChainResult } from "./verify-audit-chain";
export { verifyWorkspaceAuditChain } from "./verify-workspace-audit-chain";
export { ZAuditChainBreak, ZAuditChainReport, type TAuditChainBreak, type TAuditChainReport } from "./schemas";
