import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { getSecrets } from "./secrets";

/**
 * PII at rest: AES-256-GCM with the current key of ENCRYPTION_KEYS (first entry); the key id
 * travels in the ciphertext so older keys keep decrypting after a rotation.
 *   format: `v1.<keyId>.<iv base64url>.<ciphertext||tag base64url>`
 * The associated data binds a value to its column ("contact.email"), so a ciphertext copied
 * into another column does not decrypt.
 */
const VERSION = "v1";

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

export interface KeyRing {
  current: { id: string; key: Buffer };
  byId: Map<string, Buffer>;
}

export function keyRingFrom(keys: { id: string; key: Buffer }[]): KeyRing {
  if (!keys[0]) throw new Error("no encryption key configured");
  return { current: keys[0], byId: new Map(keys.map((k) => [k.id, k.key])) };
}

function defaultKeyRing(): KeyRing {
  return keyRingFrom(getSecrets().encryptionKeys);
}

export function encryptPii(plaintext: string, purpose: string, ring: KeyRing = defaultKeyRing()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", ring.current.key, iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return [VERSION, ring.current.id, iv.toString("base64url"), body.toString("base64url")].join(".");
}

export function decryptPii(ciphertext: string, purpose: string, ring: KeyRing = defaultKeyRing()): string {
  const [version, keyId, ivText, bodyText] = ciphertext.split(".");
  if (version !== VERSION || !keyId || !ivText || !bodyText) throw new DecryptionError("malformed ciphertext");
  const key = ring.byId.get(keyId);
  if (!key) throw new DecryptionError(`unknown encryption key id "${keyId}"`);
  const body = Buffer.from(bodyText, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(ivText, "base64url"));
  decipher.setAAD(Buffer.from(purpose));
  decipher.setAuthTag(body.subarray(body.length - 16));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    throw new DecryptionError("ciphertext failed authentication");
  }
}

/** Key id a ciphertext was written with (for the re-encryption job). */
export function ciphertextKeyId(ciphertext: string): string | undefined {
  return ciphertext.split(".")[1];
}

export const encryptOptional = (value: string | null | undefined, purpose: string, ring?: KeyRing) =>
  value == null || value === "" ? null : encryptPii(value, purpose, ring);
export const decryptOptional = (value: string | null | undefined, purpose: string, ring?: KeyRing) =>
  value == null ? null : decryptPii(value, purpose, ring);

/** Derived once per APP_SECRET; a second copy of this module only derives the same key again. */
let cachedIndexKey: { secret: string; key: Buffer } | undefined;

function blindIndexKey(): Buffer {
  const secret = getSecrets().appSecret;
  if (cachedIndexKey?.secret !== secret) {
    cachedIndexKey = { secret, key: Buffer.from(hkdfSync("sha256", secret, "optin-manager", "blind-index/v1", 32)) };
  }
  return cachedIndexKey.key;
}

/**
 * Keyed hash (HMAC-SHA256) of a normalised address, scoped to a workspace and a kind, for exact
 * lookups without storing the address: contacts by email/phone and the suppression list. Derived
 * from APP_SECRET, which therefore must not change once data exists.
 */
export function blindIndex(workspaceId: string, kind: "email" | "phone", normalized: string): string {
  return createHmac("sha256", blindIndexKey()).update(`${workspaceId}\u0000${kind}\u0000${normalized}`).digest("hex");
}

/** Derived once per APP_SECRET, like the blind-index key (a second module copy derives it again). */
let cachedSearchKey: { secret: string; key: Buffer } | undefined;

/**
 * The key of the contacts' search index: HMAC(blind-index key, "search-index/v1"). Derived from
 * the blind-index key but never equal to it, so a search token can never be compared with an
 * `email_hash` (an email prefix as long as the address would otherwise equal its blind index).
 */
function searchIndexKey(): Buffer {
  const secret = getSecrets().appSecret;
  if (cachedSearchKey?.secret !== secret) {
    cachedSearchKey = { secret, key: createHmac("sha256", blindIndexKey()).update("search-index/v1").digest() };
  }
  return cachedSearchKey.key;
}

/**
 * One token of the contacts' search index (`contacts.search_tokens`): HMAC-SHA256 hex of a
 * normalised name token or email prefix, scoped to a workspace and a kind. Tokens are built and
 * normalised in server/services/contacts/search-tokens.ts; this only keys them.
 */
export function searchToken(workspaceId: string, kind: "name" | "email", token: string): string {
  // 128 bits: unique enough within a workspace's tokens, and half the bytes to store and index.
  return createHmac("sha256", searchIndexKey())
    .update(`${workspaceId}\u0000${kind}\u0000${token}`)
    .digest("hex")
    .slice(0, 32);
}
