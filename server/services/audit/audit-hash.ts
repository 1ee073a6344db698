import { createHash, createHmac, hkdfSync } from "node:crypto";
import { getSecrets } from "@/server/lib/secrets";
import { canonicalJson } from "@/server/lib/canonical-json";

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
  /**
   * Id of the ENCRYPTION_KEYS entry whose derived audit key signed the row (format 2); null on
   * rows of format 1, hashed with plain SHA-256 before the chain was keyed.
   */
  hashKeyId: string | null;
}

/** Bump (and teach the verifier the old one) if the serialization below ever changes. */
const UNKEYED_VERSION = 1;
const KEYED_VERSION = 2;

/** The audit keys: one per ENCRYPTION_KEYS entry, derived so the encryption key itself never signs. */
export interface AuditKeyRing {
  current: { id: string; key: Buffer };
  byId: Map<string, Buffer>;
}

function deriveAuditKey(encryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", encryptionKey, "optin-manager", "audit-chain/v1", 32));
}

export function auditKeyRingFrom(keys: { id: string; key: Buffer }[]): AuditKeyRing {
  const derived = keys.map(({ id, key }) => ({ id, key: deriveAuditKey(key) }));
  if (!derived[0]) throw new Error("no encryption key configured");
  return { current: derived[0], byId: new Map(derived.map((k) => [k.id, k.key])) };
}

/** Derived once per key set; a second copy of this module only derives the same keys again. */
let cachedAuditKeys: { source: unknown; ring: AuditKeyRing } | undefined;

/** The audit keys of this process's ENCRYPTION_KEYS (rotated with them: the first entry signs new rows). */
export function defaultAuditKeyRing(): AuditKeyRing {
  const keys = getSecrets().encryptionKeys;
  if (cachedAuditKeys?.source !== keys) cachedAuditKeys = { source: keys, ring: auditKeyRingFrom(keys) };
  return cachedAuditKeys.ring;
}

export class UnknownAuditKeyError extends Error {
  constructor(keyId: string) {
    super(`audit row signed with key id "${keyId}", which ENCRYPTION_KEYS no longer holds`);
    this.name = "UnknownAuditKeyError";
  }
}

/**
 * What jsonb will hand back for `value`: undefined keys dropped, dates as ISO strings, etc.
 * The writer stores and hashes this form so the verifier, reading the row back, hashes the same.
 */
export function normalizeJson(value: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

/**
 * The row's hash: hex HMAC-SHA256, under the audit key named by `hashKeyId`, of its canonical
 * content and its predecessor's hash (format 2). Rows of format 1 (`hashKeyId` null, written
 * before the chain was keyed) hash with plain SHA-256; the verifier accepts them only before a
 * chain's first keyed row, so nobody can re-hash a rewritten row without the key.
 */
export function computeAuditHash(row: AuditHashContent, ring: AuditKeyRing = defaultAuditKeyRing()): string {
  const keyed = row.hashKeyId !== null;
  const canonical = canonicalJson({
    v: keyed ? KEYED_VERSION : UNKEYED_VERSION,
    ...(keyed ? { k: row.hashKeyId } : {}),
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
  if (row.hashKeyId === null) return createHash("sha256").update(canonical, "utf8").digest("hex");
  const key = ring.byId.get(row.hashKeyId);
  if (!key) throw new UnknownAuditKeyError(row.hashKeyId);
  return createHmac("sha256", key).update(canonical, "utf8").digest("hex");
}
