import { getEnv } from "./env";
import { getSecrets } from "./secrets";
import { derivedKey, MAC_BYTES, openToken, sealToken, UUID_BYTES, uuidBytes, uuidString } from "./token-bytes";

/**
 * Signed tokens naming one stored resource, for public links that carry no contact claim of their
 * own: a campaign file's download link (`/files/{token}`) and a message's web version
 * (`/w/{token}`).
 *
 * Format: a compact binary record, base64url without padding (67 characters):
 *
 *   version(1) kind(1) workspaceId(16) resourceId(16) mac(16)
 *
 * mac = HMAC-SHA256(key, every byte before it) truncated to 128 bits, key =
 * HKDF-SHA256(APP_SECRET, salt, "resource:<kind>"): one key per kind, so a file token never
 * verifies as a web-version token. They do not expire (an email may be opened years later); what
 * they name can be taken away instead (a removed file, an erased contact, a purged body). Decoded
 * strictly, like the contact link tokens (server/lib/tokens.ts): any altered byte → null.
 */

export const RESOURCE_KINDS = ["file", "web_version"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface ResourceClaims {
  workspaceId: string;
  /** `file`: the campaign attachment's id; `web_version`: the message's id. */
  id: string;
}

const VERSION = 1;
const KIND_CODE: Record<ResourceKind, number> = { file: 1, web_version: 2 };
const TOKEN_BYTES = 2 + 2 * UUID_BYTES + MAC_BYTES;
const HKDF_SALT = "optin-manager/resource-tokens/v1";

const kindKey = (secret: string, kind: ResourceKind) => derivedKey(secret, HKDF_SALT, `resource:${kind}`);

/** Signs and verifies with one secret. `signResourceToken`/`verifyResourceToken` use APP_SECRET. */
export function createResourceTokenCodec(secret: string) {
  if (!secret) throw new TypeError("A token secret is required");

  function sign(kind: ResourceKind, claims: ResourceClaims): string {
    const body = Buffer.concat([
      Buffer.from([VERSION, KIND_CODE[kind]]),
      uuidBytes(claims.workspaceId, "workspaceId"),
      uuidBytes(claims.id, "id"),
    ]);
    return sealToken(kindKey(secret, kind), body);
  }

  /** The claims of an intact token of this kind signed with this secret, else null. Never throws on input. */
  function verify(kind: ResourceKind, token: string): ResourceClaims | null {
    const body = openToken(kindKey(secret, kind), token, 128, TOKEN_BYTES - MAC_BYTES);
    if (!body || body.length !== TOKEN_BYTES - MAC_BYTES) return null;
    if (body[0] !== VERSION || body[1] !== KIND_CODE[kind]) return null;
    return {
      workspaceId: uuidString(body.subarray(2, 2 + UUID_BYTES)),
      id: uuidString(body.subarray(2 + UUID_BYTES)),
    };
  }

  return { sign, verify };
}

function appCodec() {
  return createResourceTokenCodec(getSecrets().appSecret);
}

export function signResourceToken(kind: ResourceKind, claims: ResourceClaims): string {
  return appCodec().sign(kind, claims);
}

export function verifyResourceToken(kind: ResourceKind, token: string): ResourceClaims | null {
  return appCodec().verify(kind, token);
}

/** `PUBLIC_URL/files/{token}`: a campaign file's download link. */
export function fileDownloadUrl(claims: ResourceClaims): string {
  return `${getEnv().PUBLIC_URL}/files/${signResourceToken("file", claims)}`;
}

/** `PUBLIC_URL/w/{token}`: a message's web version ("View in your browser"). */
export function webVersionUrl(claims: ResourceClaims): string {
  return `${getEnv().PUBLIC_URL}/w/${signResourceToken("web_version", claims)}`;
}
