import { z } from "zod";

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
    /**
     * The last entry retention deleted (verification started after it, from its hash); null when
     * the chain is whole.
     */
    checkpointSeq: z.number().int().nullable(),
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
