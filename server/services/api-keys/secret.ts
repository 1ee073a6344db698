import { randomToken } from "@/server/lib/hashing";

/** Key format: `om_` + 43 url-safe characters (256 bits). Only the SHA-256 is stored. */
export function generateApiKeySecret(): string {
  return `om_${randomToken(32)}`;
}

export function apiKeyPrefix(secret: string): string {
  return secret.length > 12 ? `${secret.slice(0, 10)}…` : "••••";
}
