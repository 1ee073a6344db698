import { createHash, randomUUID } from "node:crypto";
import { and, eq, inArray, isNull } from "drizzle-orm";
import {
  consentEvents,
  consentStates,
  consentTexts,
  topics,
  type Channel,
  type ConsentAction,
  type ConsentEvidence,
  type ConsentSource,
  type TopicRow,
} from "@/db/schema";
import type { Queryable } from "@/db/client";
import { invalid } from "@/server/lib/errors";
import { actorId, inTransaction, type ServiceContext } from "../context";
import { writeAudit } from "../audit/write-audit";
import { getContactRow } from "../contacts/rows";
import { liftErasedSuppression } from "../suppressions/lift-erased-suppression";
import { applyConsentEvent, type ProjectedState } from "./fold";
import type { TEvidence } from "./schemas";
import { lockKey } from "@/server/lib/advisory-locks";

export interface ConsentChange {
  contactId: string;
  channel: Channel;
  /** Topic key; undefined = every (non-archived) topic of the workspace on this channel. */
  topicKey?: string;
  /** Or explicit topic rows (callers that already resolved them). */
  topicRows?: TopicRow[];
  /** Restrict "every topic" to marketing topics (SMS STOP). */
  marketingOnly?: boolean;
  action: ConsentAction;
  source: ConsentSource;
  evidence?: TEvidence;
  needsConfirmation?: boolean;
  occurredAt?: Date;
  batchId?: string;
}

export interface RecordedConsent {
  topicKey: string;
  channel: Channel;
  eventId: string;
  state: ProjectedState | null;
}

function hashText(text: string): string {
  return createHash("sha256").update(text.normalize("NFC")).digest("hex");
}

/** Topics the change applies to, checked against the channel. */
async function resolveTopics(tx: Queryable, workspaceId: string, change: ConsentChange): Promise<TopicRow[]> {
  if (change.topicRows) return change.topicRows;
  if (change.topicKey) {
    const [topic] = await tx
      .select()
      .from(topics)
      .where(and(eq(topics.workspaceId, workspaceId), eq(topics.key, change.topicKey)));
    if (!topic) throw invalid(`Unknown topic "${change.topicKey}"`, "topic");
    if (!topic.channels.includes(change.channel))
      throw invalid(`Topic "${topic.key}" is not offered on ${change.channel}`, "channel");
    return [topic];
  }
  const all = await tx
    .select()
    .from(topics)
    .where(
      and(
        eq(topics.workspaceId, workspaceId),
        isNull(topics.archivedAt),
        change.marketingOnly ? eq(topics.kind, "marketing") : undefined,
      ),
    );
  return all.filter((t) => t.channels.includes(change.channel));
}

/**
 * Appends consent events to the ledger and updates the projection in the same transaction.
 *
 * Writers of one contact are serialised by an advisory lock, so the projection applies events
 * in `seq` order and the opt-out rule in `applyConsentEvent` holds under concurrency: an opt-out
 * is never lost, and an opt-in that happened before a recorded opt-out never revives consent.
 * Not idempotent by itself (each call appends); callers that can retry pass a batch id they
 * dedupe on. Audited once per call.
 */
export async function recordConsentChange({
  ctx,
  input: change,
}: {
  ctx: ServiceContext;
  input: ConsentChange;
}): Promise<RecordedConsent[]> {
  return inTransaction(ctx.db, async (tx) => {
    const contact = await getContactRow(tx, ctx.workspaceId, change.contactId);
    const topicRows = await resolveTopics(tx, ctx.workspaceId, change);
    if (topicRows.length === 0) return [];

    const requestTime = ctx.now();
    const occurredAt = change.occurredAt && change.occurredAt < requestTime ? change.occurredAt : requestTime;
    const { text, ...rest } = change.evidence ?? {};
    const evidence: ConsentEvidence = Object.fromEntries(
      Object.entries(rest).filter(([, v]) => v !== undefined && v !== ""),
    );
    if (text?.trim()) {
      evidence.textHash = hashText(text);
      await tx
        .insert(consentTexts)
        .values({ workspaceId: ctx.workspaceId, hash: evidence.textHash, text, createdAt: requestTime })
        .onConflictDoNothing();
    }

    await lockKey(tx, change.contactId);
    // Recorded = when we hold the contact's lock, so an opt-in still in flight when an opt-out
    // was recorded has occurredAt <= that opt-out's recordedAt and cannot override it.
    const lockedAt = ctx.now();
    const now = lockedAt < occurredAt ? occurredAt : lockedAt;
    const topicIds = topicRows.map((t) => t.id);
    const currentRows = await tx
      .select()
      .from(consentStates)
      .where(
        and(
          eq(consentStates.workspaceId, ctx.workspaceId),
          eq(consentStates.contactId, change.contactId),
          eq(consentStates.channel, change.channel),
          inArray(consentStates.topicId, topicIds),
        ),
      );
    const current = new Map(currentRows.map((r) => [r.topicId, r]));
    const batchId = change.batchId ?? (topicRows.length > 1 ? randomUUID() : null);

    const inserted = await tx
      .insert(consentEvents)
      .values(
        topicRows.map((topic) => ({
          workspaceId: ctx.workspaceId,
          contactId: change.contactId,
          channel: change.channel,
          topicId: topic.id,
          action: change.action,
          source: change.source,
          evidence,
          needsConfirmation: change.needsConfirmation ?? false,
          batchId,
          actorType: ctx.actor.type,
          actorId: actorId(ctx.actor),
          occurredAt,
          recordedAt: now,
        })),
      )
      .returning({ id: consentEvents.id, topicId: consentEvents.topicId });

    const results: RecordedConsent[] = [];
    for (const event of inserted) {
      const topic = topicRows.find((t) => t.id === event.topicId)!;
      const before = current.get(topic.id);
      const state = applyConsentEvent(before ?? null, {
        id: event.id,
        action: change.action,
        source: change.source,
        needsConfirmation: change.needsConfirmation ?? false,
        occurredAt,
        recordedAt: now,
      });
      const key = {
        workspaceId: ctx.workspaceId,
        contactId: change.contactId,
        channel: change.channel,
        topicId: topic.id,
      };
      if (!state) {
        if (before) {
          await tx
            .delete(consentStates)
            .where(
              and(
                eq(consentStates.workspaceId, key.workspaceId),
                eq(consentStates.contactId, key.contactId),
                eq(consentStates.channel, key.channel),
                eq(consentStates.topicId, key.topicId),
              ),
            );
        }
      } else if (state.eventId === event.id) {
        await tx
          .insert(consentStates)
          .values({ ...key, ...state, updatedAt: now })
          .onConflictDoUpdate({
            target: [consentStates.workspaceId, consentStates.contactId, consentStates.channel, consentStates.topicId],
            set: {
              status: state.status,
              source: state.source,
              eventId: state.eventId,
              occurredAt: state.occurredAt,
              recordedAt: state.recordedAt,
              updatedAt: now,
            },
          });
      }
      results.push({ topicKey: topic.key, channel: change.channel, eventId: event.id, state });
    }

    // An erased person's address that opts in again, with evidence, is no longer held back by the
    // erasure (docs/privacy.md "Coming back"); other suppression reasons stay.
    const addressHash = change.channel === "email" ? contact.emailHash : contact.phoneHash;
    if (
      (change.action === "opted_in" || change.action === "confirmed") &&
      Object.keys(evidence).length > 0 &&
      addressHash &&
      inserted[0]
    ) {
      await liftErasedSuppression({
        ctx: { ...ctx, db: tx },
        input: { channel: change.channel, addressHash, contactId: change.contactId, eventId: inserted[0].id },
      });
    }

    await writeAudit(tx, ctx, {
      action: `consent.${change.action}`,
      targetType: "contact",
      targetId: change.contactId,
      after: {
        channel: change.channel,
        topics: topicRows.map((t) => t.key),
        source: change.source,
        effective: results.filter((r) => r.state?.eventId === r.eventId).map((r) => r.topicKey),
      },
    });
    return results;
  });
}
