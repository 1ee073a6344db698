import { z } from "zod";
import {
  listAudit,
  verifyWorkspaceAuditChain,
  ZAuditChainReport,
  ZAuditEntry,
  ZListAuditInput,
} from "@/server/services/audit";
import { createTRPCRouter, memberProcedure } from "../trpc";

export const auditRouter = createTRPCRouter({
  list: memberProcedure("admin")
    .input(ZListAuditInput)
    .output(z.array(ZAuditEntry))
    .query(({ ctx, input }) => listAudit({ ctx: ctx.svc, input })),

  /** Walks this workspace's hash chain; read-only, so a query (the UI runs it on demand). */
  verify: memberProcedure("admin")
    .output(ZAuditChainReport)
    .query(({ ctx }) => verifyWorkspaceAuditChain({ ctx: ctx.svc })),
});
