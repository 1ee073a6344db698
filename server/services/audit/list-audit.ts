import { and, desc, eq, gte, ilike, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditLog, users } from "@/db/schema";
import type { ServiceContext } from "../context";

export const AUDIT_ACTOR_TYPES = ["user", "apiKey", "contact", "provider", "system"] as const;

export const ZListAuditInput = z.object({
  limit: z.number().int().min(1).max(100).default(20),
  /** Rows written before the row with this sequence number (keyset pagination). */
  beforeSeq: z.number().int().positive().optional(),
  actorType: z.enum(AUDIT_ACTOR_TYPES).optional(),
  /** The actor's id exactly, or part of a staff actor's email or name (case-insensitive). */
  actor: z.string().trim().min(1).max(200).optional(),
  action: z.string().trim().min(1).max(100).optional(),
  targetType: z.string().trim().min(1).max(100).optional(),
  targetId: z.string().trim().min(1).max(200).optional(),
  /** Inclusive lower bound on `createdAt`. */
  from: z.date().optional(),
  /** Exclusive upper bound on `createdAt`. */
  to: z.date().optional(),
});
export type TListAuditInput = z.input<typeof ZListAuditInput>;

export const ZAuditEntry = z.object({
  id: z.uuid(),
  seq: z.number().int(),
  action: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  actorLabel: z.string().nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  requestId: z.string().nullable(),
  /** Hex SHA-256 of this row in its workspace's hash chain; null on rows older than the chain. */
  hash: z.string().nullable(),
  createdAt: z.date(),
});
export type TAuditEntry = z.infer<typeof ZAuditEntry>;

/** `%` and `_` in user text match themselves. */
function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The workspace's audit rows, newest first, with a readable actor label for staff actors.
 * Filters combine with AND; page with `beforeSeq` = the last row's `seq`.
 */
export async function listAudit({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TListAuditInput;
}): Promise<TAuditEntry[]> {
  const { limit, beforeSeq, actorType, actor, action, targetType, targetId, from, to } = ZListAuditInput.parse(input);
  const filters: (SQL | undefined)[] = [
    eq(auditLog.workspaceId, ctx.workspaceId),
    beforeSeq ? lt(auditLog.seq, beforeSeq) : undefined,
    actorType ? eq(auditLog.actorType, actorType) : undefined,
    actor
      ? or(eq(auditLog.actorId, actor), ilike(users.email, likeContains(actor)), ilike(users.name, likeContains(actor)))
      : undefined,
    action ? eq(auditLog.action, action) : undefined,
    targetType ? eq(auditLog.targetType, targetType) : undefined,
    targetId ? eq(auditLog.targetId, targetId) : undefined,
    from ? gte(auditLog.createdAt, from) : undefined,
    to ? lt(auditLog.createdAt, to) : undefined,
  ];
  const rows = await ctx.db
    .select({ entry: auditLog, userName: users.name, userEmail: users.email })
    .from(auditLog)
    .leftJoin(users, and(eq(auditLog.actorType, "user"), eq(sql`${users.id}::text`, auditLog.actorId)))
    .where(and(...filters))
    .orderBy(desc(auditLog.seq))
    .limit(limit);
  return rows.map(({ entry, userName, userEmail }) => ({
    id: entry.id,
    seq: entry.seq,
    action: entry.action,
    actorType: entry.actorType,
    actorId: entry.actorId,
    actorLabel: userName ?? userEmail ?? null,
    targetType: entry.targetType,
    targetId: entry.targetId,
    before: entry.before,
    after: entry.after,
    requestId: entry.requestId,
    hash: entry.hash,
    createdAt: entry.createdAt,
  }));
}
