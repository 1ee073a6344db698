import { and, asc, eq, isNull } from "drizzle-orm";
import { topics, type Channel, type ConsentStatus, type TopicKind, type TopicRow } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { consentKey, currentConsent, maskedAddress, type ResolvedPreferencesLink } from "./link-context";

export interface PreferenceTopic {
  id: string;
  key: string;
  name: string;
  description: string | null;
  kind: TopicKind;
  requiresDoubleOptIn: boolean;
  channels: {
    channel: Channel;
    /** null = nothing recorded (shown as off). `pending` = granted, awaiting confirmation (not consent yet). */
    status: ConsentStatus | null;
    /** False when the contact has no address on this channel: it can be switched off, not on. */
    hasAddress: boolean;
  }[];
}

export interface Preferences {
  workspaceName: string;
  addresses: Record<Channel, string | null>;
  topics: PreferenceTopic[];
  /** The consent language shown next to the switches; recorded (by hash) with every grant. */
  consentText: string;
}

/** The statement the page shows and `savePreferences` records as the consent language of a grant. */
export function preferenceConsentText(workspaceName: string): string {
  return `Switching a topic on means you agree that ${workspaceName} may send it to you on that channel. You can switch it off here at any time.`;
}

export async function listOfferedTopics(db: Queryable, workspaceId: string): Promise<TopicRow[]> {
  return db
    .select()
    .from(topics)
    .where(and(eq(topics.workspaceId, workspaceId), isNull(topics.archivedAt)))
    .orderBy(asc(topics.createdAt), asc(topics.key));
}

/** Builds the page model from a resolved link (shared with savePreferences' answer). */
export async function buildPreferences(resolved: ResolvedPreferencesLink, db: Queryable): Promise<Preferences> {
  const { ctx, contact, workspaceName } = resolved;
  const [rows, states] = await Promise.all([
    listOfferedTopics(db, ctx.workspaceId),
    currentConsent(db, ctx.workspaceId, contact.id),
  ]);
  const addresses: Record<Channel, string | null> = {
    email: maskedAddress(contact, "email"),
    sms: maskedAddress(contact, "sms"),
  };
  return {
    workspaceName,
    addresses,
    consentText: preferenceConsentText(workspaceName),
    // Marketing first: that is what people come here to change; account notices last.
    topics: rows
      .toSorted((a, b) => Number(a.kind !== "marketing") - Number(b.kind !== "marketing"))
      .map((topic) => ({
        id: topic.id,
        key: topic.key,
        name: topic.name,
        description: topic.description,
        kind: topic.kind,
        requiresDoubleOptIn: topic.requiresDoubleOptIn,
        channels: [...new Set(topic.channels)].map((channel) => ({
          channel,
          status: states.get(consentKey(channel, topic.id))?.status ?? null,
          hasAddress: addresses[channel] !== null,
        })),
      })),
  };
}
