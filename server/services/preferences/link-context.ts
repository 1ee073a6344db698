import { and, eq } from "drizzle-orm";
import {
  consentEvents,
  consentStates,
  contacts,
  topics,
  workspaces,
  type Channel,
  type ConsentEvidence,
  type ConsentStatus,
  type TopicRow,
} from "@/db/schema";
import type { Queryable } from "@/db/client";
import { notFound } from "@/server/lib/errors";
import { maskPhone } from "@/server/lib/addresses";
import { maskEmail } from "@/server/lib/logger";
import { verifyToken, type VerifiedToken } from "@/server/lib/tokens";
import { toContact, type ContactRow } from "../contacts/rows";
import type { PublicContext, ServiceContext } from "../context";
import { lockKey } from "@/server/lib/advisory-locks";

/*
 * The contact-facing verbs receive a PublicContext (services/context.ts) before the token tells
 * them the workspace: the database, the clock, a request id and, for saving preferences (which can
 * start a double opt-in), the outbox. The helpers below derive the ServiceContext (actor = the
 * contact) from the token.
 */

/** The one answer for a token that is not good: tampered, foreign, expired, or naming rows that are gone. */
export const linkNotFound = () => notFound("Link");

export interface ResolvedContact {
  ctx: ServiceContext;
  workspaceName: string;
  contact: ContactRow;
}

/** Loads the workspace and the (not erased) contact a verified token names, both or NOT_FOUND. */
async function resolveContact(link: PublicContext, workspaceId: string, contactId: string): Promise<ResolvedContact> {
  const [workspace] = await link.db
    .select({ name: workspaces.name })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
  if (!workspace) throw linkNotFound();
  const [contact] = await link.db
    .select()
    .from(contacts)
    .where(and(eq(contacts.id, contactId), eq(contacts.workspaceId, workspaceId)));
  if (!contact || contact.erasedAt) throw linkNotFound();
  return {
    ctx: {
      db: link.db,
      workspaceId,
      actor: { type: "contact", contactId },
      now: link.now,
      outbox: link.outbox,
      requestId: link.requestId,
    },
    workspaceName: workspace.name,
    contact,
  };
}

export interface ResolvedUnsubscribeLink extends ResolvedContact {
  claims: VerifiedToken<"unsubscribe">;
  topic: TopicRow;
}

/**
 * Verifies an unsubscribe token and loads what it names. The topic may be archived (an old email's
 * link keeps working) but must belong to the token's workspace and be offered on its channel.
 */
export async function resolveUnsubscribeLink(link: PublicContext, token: string): Promise<ResolvedUnsubscribeLink> {
  const claims = verifyToken("unsubscribe", token, { now: link.now() });
  if (!claims) throw linkNotFound();
  const resolved = await resolveContact(link, claims.workspaceId, claims.contactId);
  const [topic] = await link.db
    .select()
    .from(topics)
    .where(and(eq(topics.id, claims.topicId), eq(topics.workspaceId, claims.workspaceId)));
  if (!topic || !topic.channels.includes(claims.channel)) throw linkNotFound();
  return { ...resolved, claims, topic };
}

export interface ResolvedPreferencesLink extends ResolvedContact {
  claims: VerifiedToken<"preferences">;
}

export async function resolvePreferencesLink(link: PublicContext, token: string): Promise<ResolvedPreferencesLink> {
  const claims = verifyToken("preferences", token, { now: link.now() });
  if (!claims) throw linkNotFound();
  return { ...(await resolveContact(link, claims.workspaceId, claims.contactId)), claims };
}

/** The contact's address on a channel, masked for display (`a•••@example.com`, `+1 ••• ••• 4567`); null when none. */
export function maskedAddress(contact: ContactRow, channel: Channel): string | null {
  const decrypted = toContact(contact);
  if (channel === "email") return decrypted.email ? maskEmail(decrypted.email) : null;
  return decrypted.phone ? maskPhone(decrypted.phone) : null;
}

export interface CurrentConsent {
  status: ConsentStatus;
  evidence: ConsentEvidence;
}

/** Current projected state per `${channel}:${topicId}`, with the evidence of the event it rests on. */
export async function currentConsent(
  db: Queryable,
  workspaceId: string,
  contactId: string,
): Promise<Map<string, CurrentConsent>> {
  const rows = await db
    .select({
      channel: consentStates.channel,
      topicId: consentStates.topicId,
      status: consentStates.status,
      evidence: consentEvents.evidence,
    })
    .from(consentStates)
    .innerJoin(consentEvents, eq(consentEvents.id, consentStates.eventId))
    .where(and(eq(consentStates.workspaceId, workspaceId), eq(consentStates.contactId, contactId)));
  return new Map(rows.map((r) => [consentKey(r.channel, r.topicId), { status: r.status, evidence: r.evidence }]));
}

export function consentKey(channel: Channel, topicId: string): string {
  return `${channel}:${topicId}`;
}

/**
 * Serialises this contact's consent writers for the rest of the transaction: the same lock
 * recordConsentChange takes (re-entrant within a transaction), taken *before* reading the state,
 * so "read the state, record only what changed" cannot interleave with another request.
 */
export async function lockContactConsent(tx: Queryable, contactId: string): Promise<void> {
  await lockKey(tx, contactId);
}
