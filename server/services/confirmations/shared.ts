import { and, eq, inArray, isNull } from "drizzle-orm";
import { consentConfirmations, topics, workspaces, type TopicRow } from "@/db/schema";
import type { Queryable } from "@/db/client";
import type { RequestEvidence } from "@/server/lib/client-address";
import { recordConsentChange } from "../consent/record-consent-change";
import type { TEvidence } from "../consent/schemas";
import type { Actor, PublicContext, ServiceContext } from "../context";

export type ConfirmationRow = typeof consentConfirmations.$inferSelect;

export type ConfirmationState = "open" | "confirmed" | "expired" | "closed";

export function confirmationState(row: ConfirmationRow, now: Date): ConfirmationState {
  if (row.confirmedAt) return "confirmed";
  if (row.closedAt) return "closed";
  if (row.expiresAt.getTime() <= now.getTime()) return "expired";
  return "open";
}

export async function workspaceName(db: Queryable, workspaceId: string): Promise<string> {
  const [row] = await db.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, workspaceId));
  return row?.name ?? "OptIn Manager";
}

/** The topics of a confirmation that still exist (a deleted topic simply drops out). */
export async function confirmationTopics(db: Queryable, row: ConfirmationRow): Promise<TopicRow[]> {
  if (row.topicIds.length === 0) return [];
  return db
    .select()
    .from(topics)
    .where(and(eq(topics.workspaceId, row.workspaceId), inArray(topics.id, row.topicIds)));
}

/**
 * The ServiceContext a public verb (reached by a link or a code) acts in: it knows no workspace up
 * front, so the workspace comes from the confirmation row.
 */
export function contextFor(ctx: PublicContext, row: ConfirmationRow, actor: Actor): ServiceContext {
  return { db: ctx.db, workspaceId: row.workspaceId, actor, now: ctx.now, requestId: ctx.requestId };
}

/**
 * Closes an unconfirmed request and writes the `expired` ledger event that ends its pending state.
 * Idempotent: the conditional update lets exactly one caller close a row; the others record nothing.
 */
export async function closeConfirmation(
  tx: Queryable,
  ctx: ServiceContext,
  row: ConfirmationRow,
  note: string,
): Promise<boolean> {
  const [closed] = await tx
    .update(consentConfirmations)
    .set({ closedAt: ctx.now() })
    .where(
      and(
        eq(consentConfirmations.id, row.id),
        isNull(consentConfirmations.confirmedAt),
        isNull(consentConfirmations.closedAt),
      ),
    )
    .returning({ id: consentConfirmations.id });
  if (!closed) return false;
  const topicRows = await confirmationTopics(tx, row);
  if (topicRows.length > 0) {
    await recordConsentChange({
      ctx: { ...ctx, db: tx },
      input: {
        contactId: row.contactId,
        channel: row.channel,
        topicRows,
        action: "expired",
        source: row.source as TopicSource,
        evidence: { note, ...confirmationEvidence(row) } as TEvidence,
      },
    });
  }
  return true;
}

/**
 * Records what confirming a request means: one `confirmed` ledger event per topic of the request
 * that still exists (a deleted topic drops out; none left, nothing is written), with the original
 * request's evidence plus the confirming request's (`confirmedEvidence`). `recordConsentChange`
 * writes the audit row, as the contact, in the caller's transaction. The caller has already won
 * the conditional update that marks the request confirmed, so this runs once per request: a
 * repeated click or code records nothing.
 */
export async function recordConfirmedConsent(
  tx: Queryable,
  ctx: ServiceContext,
  row: ConfirmationRow,
  meta: RequestEvidence,
): Promise<void> {
  const topicRows = await confirmationTopics(tx, row);
  if (topicRows.length === 0) return;
  await recordConsentChange({
    ctx: { ...ctx, db: tx },
    input: {
      contactId: row.contactId,
      channel: row.channel,
      topicRows,
      action: "confirmed",
      source: row.source as TopicSource,
      evidence: confirmedEvidence(row, meta),
    },
  });
}

/** The original request's evidence plus how and from where it was confirmed. */
export function confirmedEvidence(row: ConfirmationRow, meta: RequestEvidence): TEvidence {
  const evidence: Record<string, string> = { ...row.evidence, ...confirmationEvidence(row) };
  if (meta.ip) evidence.confirmationIp = meta.ip.slice(0, 64);
  if (meta.ip && meta.ipSource) evidence.confirmationIpSource = meta.ipSource;
  if (meta.userAgent) evidence.confirmationUserAgent = meta.userAgent.slice(0, 512);
  return evidence as TEvidence;
}

type TopicSource = Parameters<typeof recordConsentChange>[0]["input"]["source"];

/** Evidence keys that tie a ledger event to its confirmation request. */
export function confirmationEvidence(row: ConfirmationRow): Record<string, string> {
  return { confirmationId: row.id, confirmationMethod: row.method };
}
