import { randomUUID } from "node:crypto";
import { systemClock } from "./clock";
import { getOutbox } from "@/server/wiring";
import { getDbHandle } from "./db";

/**
 * Helpers for the contact-facing link routes (`/u/{token}`, `/preferences/{token}`): the context
 * their services need (the outbox included: a preference change may send a confirmation) and the
 * evidence a click leaves. Never log or store the token itself.
 */
export async function openLinkContext(headers?: Headers) {
  const { db } = await getDbHandle();
  return { db, now: systemClock, outbox: getOutbox(), requestId: headers?.get("x-request-id") ?? randomUUID() };
}

/** The client address (see client-address.ts: never a client-supplied forwarding header) and user agent. */
export { requestEvidence } from "./client-address";
