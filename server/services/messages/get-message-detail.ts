import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import {
  CHANNELS,
  CONSENT_ACTIONS,
  CONSENT_SOURCES,
  MESSAGE_STATUSES,
  consentEvents,
  consentTexts,
  contacts,
  messages,
  templates,
  topics,
  type MessageRow,
} from "@/db/schema";
import { IN_FLIGHT_STATUSES, isStatusIn, RETRYABLE_STATUSES } from "@/server/shared/enums";
import type { ServiceContext } from "../context";
import { toContact } from "../contacts/rows";
import { maskContact, seesFullPii } from "../contacts/mask-contact";
import { ZGetMessageInput } from "./get-message";
import { messagePurpose, seesMessageContent } from "./message-access";
import {
  loadEvents,
  messageAddress,
  messageContent,
  messageHeaders,
  messagePreview,
  ZMessageListItem,
} from "./message-view";
import { applyWaitingEventsOf } from "../webhooks/apply-waiting-events-of";
import { getMessageRow } from "./queries";

const ZRelatedMessage = z.object({
  id: z.uuid(),
  relation: z.string().nullable(),
  direction: z.enum(["outbound", "inbound"]),
  channel: z.enum(CHANNELS),
  status: z.enum(MESSAGE_STATUSES),
  createdAt: z.date(),
});

export const ZMessageDetail = z.object({
  message: ZMessageListItem.extend({
    fromAddress: z.string().nullable(),
    locale: z.string().nullable(),
    templateId: z.uuid().nullable(),
    templateKey: z.string().nullable(),
    providerMessageId: z.string().nullable(),
    segments: z.number().int().nullable(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.date().nullable(),
    batchId: z.uuid().nullable(),
    policyVersion: z.string().nullable(),
    /** Headers sent (List-Unsubscribe…). */
    headers: z.record(z.string(), z.string()),
    queuedAt: z.date().nullable(),
    sentAt: z.date().nullable(),
    deliveredAt: z.date().nullable(),
    failedAt: z.date().nullable(),
    /** First open, click and reply by a person (tracking). */
    openedAt: z.date().nullable(),
    clickedAt: z.date().nullable(),
    repliedAt: z.date().nullable(),
    updatedAt: z.date(),
  }),
  /** Decrypted parts; null when withheld for this caller's role (viewers). */
  content: z
    .object({ subject: z.string().nullable(), text: z.string().nullable(), html: z.string().nullable() })
    .nullable(),
  /** True when the address is masked and content withheld (viewers). */
  masked: z.boolean(),
  contact: z
    .object({
      id: z.uuid(),
      email: z.string().nullable(),
      phone: z.string().nullable(),
      firstName: z.string().nullable(),
      lastName: z.string().nullable(),
      erased: z.boolean(),
    })
    .nullable(),
  /** Timeline oldest first, with the source and provider detail of each event. */
  events: z.array(
    z.object({
      status: z.string(),
      source: z.string(),
      at: z.date(),
      recordedAt: z.date(),
      detail: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  /** The policy decision stored with the message (checks that ran, outcome, policy version). */
  decision: z
    .object({
      outcome: z.enum(["send", "block"]),
      reason: z.string().optional(),
      policyVersion: z.string(),
      consent: z
        .object({ status: z.string(), source: z.string(), eventId: z.string(), occurredAt: z.string() })
        .nullable()
        .optional(),
      checks: z.array(z.string()),
      retryAt: z.string().optional(),
      decidedAt: z.string(),
    })
    .nullable(),
  /** The consent ledger event the send relied on, with its evidence. */
  consentEvent: z
    .object({
      id: z.uuid(),
      action: z.enum(CONSENT_ACTIONS),
      /** An opt-in still awaiting its double opt-in confirmation (pending, not consent): what a confirmation request relies on. */
      needsConfirmation: z.boolean(),
      source: z.enum(CONSENT_SOURCES),
      channel: z.enum(CHANNELS),
      topic: z.string(),
      topicName: z.string(),
      occurredAt: z.date(),
      recordedAt: z.date(),
      evidence: z.record(z.string(), z.string()),
      consentText: z.string().nullable(),
    })
    .nullable(),
  parent: ZRelatedMessage.nullable(),
  /** Messages that follow from this one (retries, resends, fallbacks, keyword replies), oldest first. */
  children: z.array(ZRelatedMessage),
  /** What the UI may offer (marketers and above; the mutation re-checks). */
  can: z.object({ retry: z.boolean(), resend: z.boolean() }),
});
export type TMessageDetail = z.infer<typeof ZMessageDetail>;

function related(
  row: Pick<MessageRow, "id" | "relation" | "direction" | "channel" | "status" | "createdAt">,
  relation: string | null,
) {
  return {
    id: row.id,
    relation,
    direction: row.direction,
    channel: row.channel,
    status: row.status,
    createdAt: row.createdAt,
  };
}

function stringEvidence(evidence: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(evidence).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  );
}

/**
 * One message for the admin detail page: timeline with provider detail, the stored decision and
 * the consent event it relied on (with evidence and consent text), template name and version,
 * parent and child messages. Marketers and above get the address and content decrypted; viewers
 * the address masked (mask-contact rules) and no content. Another workspace's id is NOT_FOUND.
 * Read-only, not audited.
 */
export async function getMessageDetail({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZGetMessageInput>;
}): Promise<TMessageDetail> {
  const { id } = ZGetMessageInput.parse(input);
  // Delivery events still waiting for the background drain are applied first (read-your-webhooks).
  let row = await getMessageRow(ctx.db, ctx.workspaceId, id);
  if (await applyWaitingEventsOf({ ctx, input: { message: row } }))
    row = await getMessageRow(ctx.db, ctx.workspaceId, id);
  const consentEventId = row.consentEventId ?? row.decision?.consent?.eventId ?? null;

  const [events, [extras], [contactRow], [consentRow], parentRows, childRows] = await Promise.all([
    loadEvents(ctx.db, ctx.workspaceId, [id]),
    ctx.db
      .select({ topicName: topics.name, templateName: templates.name, templateKey: templates.key })
      .from(messages)
      .leftJoin(topics, and(eq(topics.id, messages.topicId), eq(topics.workspaceId, ctx.workspaceId)))
      .leftJoin(templates, and(eq(templates.id, messages.templateId), eq(templates.workspaceId, ctx.workspaceId)))
      .where(eq(messages.id, id)),
    row.contactId
      ? ctx.db
          .select()
          .from(contacts)
          .where(and(eq(contacts.id, row.contactId), eq(contacts.workspaceId, ctx.workspaceId)))
      : Promise.resolve([]),
    consentEventId && z.uuid().safeParse(consentEventId).success
      ? ctx.db
          .select({ event: consentEvents, topic: topics.key, topicName: topics.name })
          .from(consentEvents)
          .innerJoin(topics, eq(topics.id, consentEvents.topicId))
          .where(and(eq(consentEvents.id, consentEventId), eq(consentEvents.workspaceId, ctx.workspaceId)))
      : Promise.resolve([]),
    row.parentMessageId
      ? ctx.db
          .select()
          .from(messages)
          .where(and(eq(messages.id, row.parentMessageId), eq(messages.workspaceId, ctx.workspaceId)))
      : Promise.resolve([]),
    ctx.db
      .select()
      .from(messages)
      .where(and(eq(messages.parentMessageId, id), eq(messages.workspaceId, ctx.workspaceId)))
      .orderBy(asc(messages.createdAt), asc(messages.id)),
  ]);

  const textHash = consentRow?.event.evidence.textHash;
  const [textRow] = textHash
    ? await ctx.db
        .select({ text: consentTexts.text })
        .from(consentTexts)
        .where(and(eq(consentTexts.workspaceId, ctx.workspaceId), eq(consentTexts.hash, textHash)))
    : [];

  const full = seesFullPii(ctx.actor);
  const contact = contactRow ? toContact(contactRow) : null;
  const shownContact = contact && !full ? maskContact(contact) : contact;
  const outbound = row.direction === "outbound";
  const rerunnable = outbound && row.kind !== "system" && messagePurpose(row) === null;
  const parent = parentRows[0];

  return {
    message: {
      id: row.id,
      contactId: row.contactId,
      direction: row.direction,
      channel: row.channel,
      topic: row.topicKey,
      topicName: extras?.topicName ?? null,
      kind: row.kind,
      purpose: messagePurpose(row),
      userId: row.userId,
      status: row.status,
      reason: row.reason,
      address: messageAddress(row, full),
      preview: full ? messagePreview(row) : null,
      templateName: extras?.templateName ?? null,
      templateKey: extras?.templateKey ?? null,
      templateId: row.templateId,
      templateVersion: row.templateVersion,
      campaignId: row.campaignId,
      relation: row.relation,
      parentMessageId: row.parentMessageId,
      transport: row.transport,
      createdAt: row.createdAt,
      fromAddress: row.fromAddress,
      locale: row.locale,
      providerMessageId: row.providerMessageId,
      segments: row.segments,
      attempts: row.attempts,
      lastError: row.lastError,
      nextAttemptAt: row.nextAttemptAt,
      batchId: row.batchId,
      policyVersion: row.policyVersion ?? row.decision?.policyVersion ?? null,
      headers: messageHeaders(row, full),
      queuedAt: row.queuedAt,
      sentAt: row.sentAt,
      deliveredAt: row.deliveredAt,
      failedAt: row.failedAt,
      openedAt: row.openedAt,
      clickedAt: row.clickedAt,
      repliedAt: row.repliedAt,
      updatedAt: row.updatedAt,
    },
    content: seesMessageContent(ctx.actor, row) ? messageContent(row) : null,
    masked: !full,
    contact: shownContact
      ? {
          id: shownContact.id,
          email: shownContact.email,
          phone: shownContact.phone,
          firstName: shownContact.firstName,
          lastName: shownContact.lastName,
          erased: shownContact.erased,
        }
      : null,
    events: (events.get(id) ?? []).map((e) => ({
      status: e.status,
      source: e.source,
      at: e.occurredAt,
      recordedAt: e.recordedAt,
      detail: e.detail && Object.keys(e.detail).length > 0 ? e.detail : null,
    })),
    decision: row.decision ?? null,
    consentEvent: consentRow
      ? {
          id: consentRow.event.id,
          action: consentRow.event.action,
          needsConfirmation: consentRow.event.needsConfirmation,
          source: consentRow.event.source,
          channel: consentRow.event.channel,
          topic: consentRow.topic,
          topicName: consentRow.topicName,
          occurredAt: consentRow.event.occurredAt,
          recordedAt: consentRow.event.recordedAt,
          evidence: stringEvidence(consentRow.event.evidence as Record<string, unknown>),
          consentText: textRow?.text ?? null,
        }
      : null,
    parent: parent ? related(parent, row.relation) : null,
    children: childRows.map((child) => related(child, child.relation)),
    // Confirmations, invitations and sign-in links are sent again by asking again (a new link or
    // code), never by re-running the message.
    can: {
      retry: rerunnable && isStatusIn(RETRYABLE_STATUSES, row.status),
      resend: rerunnable && !isStatusIn(IN_FLIGHT_STATUSES, row.status),
    },
  };
}
