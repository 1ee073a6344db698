import { eq } from "drizzle-orm";
import { topics, workspaces, type TopicRow } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { notFound } from "@/server/lib/errors";
import { countryTimeZone } from "../policy/recipient-timezone";
import { readSmsSettings } from "../inbound/inbound-workspace";
import { readMessagingSettings } from "@/server/shared/messaging-settings";
import { readTrackingSettings, type TrackingSettings } from "@/server/shared/tracking-settings";
import { readWorkspaceProfile, type WorkspaceProfile } from "@/server/shared/workspace-profile";
import type { MessagingSettings } from "../policy/types";
import { sendContextCache, type CacheEntry } from "./send-context-cache";

/** What every send of a workspace reads before deciding: its policy settings and its topics. */
export interface SendContext {
  name: string;
  settings: MessagingSettings;
  region: string;
  /** The workspace's own SMS number (`settings.sms.inboundNumbers[0]`); null: the account default `TWILIO_FROM`. */
  smsNumber: string | null;
  topicsByKey: Map<string, TopicRow>;
  /** Sender name, reply-to and postal address of its email (Settings → General). */
  profile: WorkspaceProfile;
  /** Open and click tracking of marketing messages (Settings → General). */
  tracking: TrackingSettings;
}

/**
 * How long a workspace's send context is reused. Every API send needs it, and it changes a few
 * times a year: reading it once per second instead of twice per request is two fewer round trips
 * per send. Writers in this process drop it at once (`invalidateSendContext` after their commit);
 * another app instance sees a change within this bound. Consent, suppressions and recent sends
 * are never cached: they are read in the send's transaction, under the contact's lock.
 */
export const SEND_CONTEXT_TTL_MS = 1_000;

const cache = sendContextCache as Map<string, CacheEntry<SendContext>>;

async function load(db: Queryable, workspaceId: string): Promise<SendContext> {
  const [workspaceRows, topicRows] = await Promise.all([
    db
      .select({ name: workspaces.name, settings: workspaces.settings, region: workspaces.defaultRegion })
      .from(workspaces)
      .where(eq(workspaces.id, workspaceId)),
    db.select().from(topics).where(eq(topics.workspaceId, workspaceId)),
  ]);
  const row = workspaceRows[0];
  if (!row) throw notFound("Workspace");
  return {
    name: row.name,
    settings: readMessagingSettings(row.settings, countryTimeZone(row.region)),
    region: row.region,
    smsNumber: readSmsSettings(row.settings).inboundNumbers?.[0] ?? null,
    topicsByKey: new Map(topicRows.map((t) => [t.key, t])),
    profile: readWorkspaceProfile(row.settings),
    tracking: readTrackingSettings(row.settings),
  };
}

/**
 * The workspace's send context, from the cache when fresh. `fresh: true` reads the database
 * (used when a topic key is not in the cached copy: a topic created a moment ago is never
 * reported unknown). Loads inside a caller's transaction are not cached (they could see
 * uncommitted writes).
 */
export async function getSendContext(
  db: Queryable,
  workspaceId: string,
  options: { fresh?: boolean } = {},
): Promise<SendContext> {
  if ("rollback" in db) return load(db, workspaceId);
  const now = Date.now();
  const entry = cache.get(workspaceId);
  if (!options.fresh && entry && now - entry.loadedAt < SEND_CONTEXT_TTL_MS) return entry.value;
  const value = load(db, workspaceId);
  const next = { loadedAt: now, value };
  cache.set(workspaceId, next);
  value.catch(() => {
    if (cache.get(workspaceId) === next) cache.delete(workspaceId);
  });
  if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
  return value;
}
