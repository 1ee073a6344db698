import { randomUUID } from "node:crypto";
import { systemClock } from "./clock";
import { getDbHandle } from "./db";

/**
 * Helpers for the contact-facing link routes (`/u/{token}`, `/preferences/{token}`): the context
 * their services need and the evidence a click leaves. Never log or store the token itself.
 */
export async function openLinkContext(headers?: Headers) {
  const { db } = await getDbHandle();
  return { db, now: systemClock, requestId: headers?.get("x-request-id") ?? randomUUID() };
}

/** IP (first hop of X-Forwarded-For, else X-Real-IP) and user agent, trimmed to the evidence limits. */
export function requestEvidence(headers: Headers): { ip?: string; userAgent?: string } {
  const ip = headers.get("x-forwarded-for")?.split(",")[0]?.trim() || headers.get("x-real-ip")?.trim() || undefined;
  const userAgent = headers.get("user-agent")?.trim() || undefined;
  return { ...(ip ? { ip: ip.slice(0, 64) } : {}), ...(userAgent ? { userAgent: userAgent.slice(0, 512) } : {}) };
}
