import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import {
  CHANNELS,
  CONSENT_ACTIONS,
  CONSENT_SOURCES,
  apiKeys,
  consentEvents,
  consentTexts,
  topics,
  users,
} from "@/db/schema";
import { listAudit } from "../audit/list-audit";
import type { ServiceContext } from "../context";
import { historyNames, ZHistoryLink } from "./history-actors";
import { getContactRow } from "./rows";
import { maskEvidence, seesFullPii } from "./mask-contact";

export const ZContactHistoryInput = z.object({ id: z.uuid() });

const HISTORY_LIMIT = 200;
const AUDIT_LIMIT = 100;

export const ZConsentHistoryEntry = z.object({
  id: z.uuid(),
  seq: z.number().int(),
  channel: z.enum(CHANNELS),
  topic: z.string(),
  topicName: z.string(),
  action: z.enum(CONSENT_ACTIONS),
  source: z.enum(CONSENT_SOURCES),
  needsConfirmation: z.boolean(),
  /** When the person acted. */
  occurredAt: z.date(),
  /** When we learned of it. */
  recordedAt: z.date(),
  /** ip, userAgent, url, formVersion, providerMessageId, note, textHash, …: whatever was captured. */
  evidence: z.record(z.string(), z.string()),
  /** The consent language shown, looked up by `evidence.textHash`. */
  consentText: z.string().nullable(),
  batchId: z.uuid().nullable(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  /** The actor by name: a member's name or email, `API key “…”`, `Form “…”` (null: describe by type). */
  actorLabel: z.string().nullable(),
  /** The admin page of the actor (a form's builder), when there is one. */
  actorHref: z.string().nullable(),
  /** Where the event came from when that is not the actor: the import or the form (name and page). */
  origin: ZHistoryLink.nullable(),
});
export type TConsentHistoryEntry = z.infer<typeof ZConsentHistoryEntry>;

export const ZActivityEntry = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("consent"), at: z.date(), event: ZConsentHistoryEntry }),
  z.object({
    kind: z.literal("audit"),
    at: z.date(),
    id: z.uuid(),
    action: z.string(),
    actorType: z.string(),
    actorId: z.string().nullable(),
    actorLabel: z.string().nullable(),
    actorHref: z.string().nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
  }),
]);
export type TActivityEntry = z.infer<typeof ZActivityEntry>;

export const ZContactHistory = z.object({
  /** Newest recorded first (ledger order), at most 200. */
  consent: z.array(ZConsentHistoryEntry),
  /** Consent events and the audit rows about this contact, merged newest first. */
  activity: z.array(ZActivityEntry),
});
export type TContactHistory = z.infer<typeof ZContactHistory>;

/** The form id of a submission's evidence (`formVersion` is `<form id>@v<version>`). */
function formIdOf(formVersion: unknown): string | undefined {
  return typeof formVersion === "string" ? /^([0-9a-f-]{36})@v\d+$/i.exec(formVersion)?.[1] : undefined;
}

function stringEvidence(evidence: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(evidence).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  );
}

/**
 * The contact's consent ledger with its evidence (consent text resolved by hash) and an activity
 * timeline: consent events plus audit rows targeting the contact. Actors and imports are named
 * (a member's name, an API key's name, a form's name linked to its page, an import's file name),
 * never shown by key or id. The `consent.*` audit rows are
 * left out of the timeline because the ledger rows they summarise are already in it, in more
 * detail. Another workspace's id is NOT_FOUND. Read-only, not audited.
 */
export async function getContactHistory({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZContactHistoryInput>;
}): Promise<TContactHistory> {
  const { id } = ZContactHistoryInput.parse(input);
  await getContactRow(ctx.db, ctx.workspaceId, id);

  const [events, audit] = await Promise.all([
    ctx.db
      .select({
        event: consentEvents,
        topic: topics.key,
        topicName: topics.name,
        userName: users.name,
        userEmail: users.email,
        apiKeyName: apiKeys.name,
      })
      .from(consentEvents)
      .innerJoin(topics, eq(topics.id, consentEvents.topicId))
      .leftJoin(users, and(eq(consentEvents.actorType, "user"), eq(sql`${users.id}::text`, consentEvents.actorId)))
      .leftJoin(
        apiKeys,
        and(eq(consentEvents.actorType, "apiKey"), eq(sql`${apiKeys.id}::text`, consentEvents.actorId)),
      )
      .where(and(eq(consentEvents.workspaceId, ctx.workspaceId), eq(consentEvents.contactId, id)))
      .orderBy(desc(consentEvents.seq))
      .limit(HISTORY_LIMIT),
    listAudit({ ctx, input: { targetType: "contact", targetId: id, limit: AUDIT_LIMIT } }),
  ]);

  const hashes = [...new Set(events.map((e) => e.event.evidence.textHash).filter((h): h is string => Boolean(h)))];
  const texts = hashes.length
    ? await ctx.db
        .select({ hash: consentTexts.hash, text: consentTexts.text })
        .from(consentTexts)
        .where(and(eq(consentTexts.workspaceId, ctx.workspaceId), inArray(consentTexts.hash, hashes)))
    : [];
  const textByHash = new Map(texts.map((t) => [t.hash, t.text]));
  // Forms, API keys and imports by name, not by key or id.
  const names = await historyNames(ctx.db, ctx.workspaceId, {
    actors: [...events.map((e) => e.event), ...audit],
    formIds: events.flatMap((e) => {
      const formId = formIdOf(e.event.evidence.formVersion);
      return formId ? [formId] : [];
    }),
    importIds: events.flatMap((e) => (e.event.source === "import" && e.event.batchId ? [e.event.batchId] : [])),
  });
  /** Where an event came from, when that is not its actor: the import, or the form submitted. */
  const originOf = (event: (typeof events)[number]["event"]) => {
    if (event.source === "import" && event.batchId) return names.importOf(event.batchId);
    const formId = event.source === "form" ? formIdOf(event.evidence.formVersion) : undefined;
    return formId ? names.formOf(formId) : null;
  };

  const consent: TConsentHistoryEntry[] = events.map(({ event, topic, topicName, userName, userEmail, apiKeyName }) => {
    const named = names.actor(event.actorType, event.actorId);
    return {
      id: event.id,
      seq: event.seq,
      channel: event.channel,
      topic,
      topicName,
      action: event.action,
      source: event.source,
      needsConfirmation: event.needsConfirmation,
      occurredAt: event.occurredAt,
      recordedAt: event.recordedAt,
      evidence: stringEvidence(event.evidence as Record<string, unknown>),
      consentText: event.evidence.textHash ? (textByHash.get(event.evidence.textHash) ?? null) : null,
      batchId: event.batchId,
      actorType: event.actorType,
      actorId: event.actorId,
      actorLabel: userName ?? userEmail ?? (apiKeyName ? `API key “${apiKeyName}”` : (named?.label ?? null)),
      actorHref: named?.href ?? null,
      origin: originOf(event),
    };
  });

  // Viewers see the evidence that identifies a person masked, like the contact's own fields.
  if (!seesFullPii(ctx.actor)) for (const entry of consent) entry.evidence = maskEvidence(entry.evidence);

  const activity: TActivityEntry[] = [
    ...consent.map((event) => ({ kind: "consent" as const, at: event.occurredAt, event })),
    ...audit
      .filter((row) => !row.action.startsWith("consent."))
      .map((row) => {
        const named = names.actor(row.actorType, row.actorId);
        return {
          kind: "audit" as const,
          at: row.createdAt,
          id: row.id,
          action: row.action,
          actorType: row.actorType,
          actorId: row.actorId,
          actorLabel: row.actorLabel ?? named?.label ?? null,
          actorHref: named?.href ?? null,
          after: row.after,
        };
      }),
  ].sort((a, b) => b.at.getTime() - a.at.getTime());

  return { consent, activity };
}
