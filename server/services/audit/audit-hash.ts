import { createHash } from "node:crypto";

/**
 * The hashed content of one audit row. `seq` is left out on purpose: it is assigned by the
 * database and only orders the chain; the chain itself (each row names its predecessor's hash)
 * is what proves order and completeness.
 */
export interface AuditHashContent {
  id: string;
  workspaceId: string | null;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
  createdAt: Date;
  prevHash: string | null;
}

/** Bump (and teach the verifier the old one) if the serialization below ever changes. */
const HASH_VERSION = 1;

/**
 * JSON with object keys sorted at every level, so a value hashes the same after a jsonb round
 * trip (jsonb reorders keys). Only JSON values are expected: `normalizeJson` runs first.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(",")}}`;
}

/**
 * What jsonb will hand back for `value`: undefined keys dropped, dates as ISO strings, etc.
 * The writer stores and hashes this form so the verifier, reading the row back, hashes the same.
 */
export function normalizeJson(value: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

/** Hex SHA-256 of the row's canonical content and its predecessor's hash. */
export function computeAuditHash(row: AuditHashContent): string {
  const canonical = canonicalJson({
    v: HASH_VERSION,
    id: row.id,
    workspaceId: row.workspaceId,
    actorType: row.actorType,
    actorId: row.actorId,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    before: row.before,
    after: row.after,
    requestId: row.requestId,
    createdAt: row.createdAt.toISOString(),
    prevHash: row.prevHash,
  });
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}
