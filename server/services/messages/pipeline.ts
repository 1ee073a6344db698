import { randomUUID } from "node:crypto";
import { and, desc, eq, gt, inArray, sql } from "drizzle-orm";
import {
  consentStates,
  contacts,
  messageEvents,
  messages,
  suppressions,
  type Channel,
  type MessageKind,
  type MessagePurpose,
  type MessageRow,
  type StoredDecision,
  type SuppressionReason,
  type TopicKind,
  type TopicRow,
} from "@/db/schema";
import type { Queryable } from "@/db/client";
import { emailLookupKey, normalizeEmail, normalizePhone } from "@/server/lib/addresses";
import { blindIndex } from "@/server/lib/crypto";
import { lockKeysInOrder } from "@/server/lib/advisory-locks";
import { pgTextArray } from "@/server/lib/pg-array";
import { CAP_COUNTED_STATUSES } from "@/server/shared/enums";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { getEnv } from "@/server/lib/env";
import { logger } from "@/server/lib/logger";
import { AppError, invalid, notFound } from "@/server/lib/errors";
import { preferencesUrl, unsubscribeUrl } from "@/server/lib/tokens";
import { toContact, type ContactRow } from "../contacts/contacts";
import { inTransaction, type ServiceContext } from "../context";
import { decide, maxWindowDays } from "../policy/decide";
import { POLICY_VERSION, type MessagingSettings, type PolicyDecision, type RecentSend } from "../policy/types";
import { renderForSend, type RenderedMessage } from "../templates/render";
import { encryptField, encryptRequest } from "./message-secrets";
import { getSendContext } from "./send-context";
import type { RecordedSend, RenderSourceInput, SendOutcome, SendRequest } from "./pipeline-types";

/** Rows per multi-row INSERT (about 40 columns each, far below the 65,535-parameter limit). */
const INSERT_CHUNK = 250;

export interface MessageOptions {
  [key: string]: unknown;
  /** A message the product sends of its own (see MESSAGE_PURPOSES). */
  purpose?: MessagePurpose;
  /** System messages: the role the recipient member holds or is invited to (who may read the content, see message-access.ts). */
  recipientRole?: string;
  fallback?: boolean;
  deferOnQuietHours?: boolean;
  /** Stored as deferred (quiet hours): the first answer was `queued` with `deliverAt`. */
  deferred?: boolean;
  /** Encrypted `{ source, variables }` of the request, for retry, resend and fallback. */
  request?: string;
}

/**
 * The first answer to a send, derived from what was stored, so a repeated idempotency key answers
 * exactly the same thing whatever happened to the message since.
 */
export function firstAnswer(row: Pick<MessageRow, "status" | "reason" | "decision" | "options">): RecordedSend["answer"] {
  const decision = row.decision;
  const options = row.options as MessageOptions;
  if (!decision) return row.status === "blocked" ? { status: "blocked", reason: row.reason ?? undefined } : { status: "queued" };
  if (decision.outcome === "send") return { status: "queued" };
  if (options.deferred) return { status: "queued", ...(decision.retryAt ? { deliverAt: decision.retryAt } : {}) };
  return { status: "blocked", ...(decision.reason ? { reason: decision.reason } : {}) };
}

function recordedFrom(row: MessageRow, isNew: boolean): RecordedSend {
  return {
    messageId: row.id,
    workspaceId: row.workspaceId,
    contactId: row.contactId,
    channel: row.channel,
    topicKey: row.topicKey ?? "",
    status: row.status,
    answer: firstAnswer(row),
    isNew,
    fallback: Boolean((row.options as MessageOptions).fallback),
  };
}

export const idempotencyConflict = () => new AppError("CONFLICT", "This idempotency key was already used with a different request", { field: "idempotencyKey" });

/** The earlier answer for a repeated key, or CONFLICT when the request differs. */
function repeatOutcome(row: MessageRow, request: SendRequest): SendOutcome {
  if (request.requestHash !== null && row.requestHash !== request.requestHash) return { ok: false, error: idempotencyConflict() };
  return { ok: true, send: recordedFrom(row, false) };
}

async function messagesByKeys(db: Queryable, workspaceId: string, keys: string[]): Promise<Map<string, MessageRow>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select()
    .from(messages)
    .where(and(eq(messages.workspaceId, workspaceId), inArray(messages.idempotencyKey, keys)));
  return new Map(rows.map((r) => [r.idempotencyKey!, r]));
}

interface ResolvedRecipient {
  contactId: string | null;
  /** For an address that matched no contact: the address given and its blind index. */
  unknownAddress?: { channel: Channel; address: string; hash: string };
}

interface Workspace {
  name: string;
  settings: MessagingSettings;
  region: string;
  smsNumber: string | null;
}

/** Contacts by blind index, one query; unknown addresses are kept for a contactless blocked record. */
async function resolveRecipients(
  db: Queryable,
  workspaceId: string,
  region: string,
  requests: SendRequest[],
  outcomes: (SendOutcome | undefined)[],
): Promise<(ResolvedRecipient | undefined)[]> {
  const resolved: (ResolvedRecipient | undefined)[] = new Array(requests.length);
  const byAddress: { index: number; kind: "email" | "phone"; address: string; hash: string }[] = [];
  requests.forEach((request, index) => {
    if (outcomes[index]) return;
    const recipient = request.recipient;
    if ("contactId" in recipient) {
      resolved[index] = { contactId: recipient.contactId };
    } else if ("email" in recipient) {
      const email = normalizeEmail(recipient.email);
      if (!email.ok) outcomes[index] = { ok: false, error: invalid(`email ${email.reason}`, "email") };
      else byAddress.push({ index, kind: "email", address: email.value, hash: blindIndex(workspaceId, "email", emailLookupKey(email.value)) });
    } else {
      const phone = normalizePhone(recipient.phone, region);
      if (!phone.ok) outcomes[index] = { ok: false, error: invalid(`phone ${phone.reason}`, "phone") };
      else byAddress.push({ index, kind: "phone", address: phone.value, hash: blindIndex(workspaceId, "phone", phone.value) });
    }
  });
  if (byAddress.length === 0) return resolved;
  const emailHashes = byAddress.filter((a) => a.kind === "email").map((a) => a.hash);
  const phoneHashes = byAddress.filter((a) => a.kind === "phone").map((a) => a.hash);
  const found = await db
    .select({ id: contacts.id, emailHash: contacts.emailHash, phoneHash: contacts.phoneHash })
    .from(contacts)
    .where(
      and(
        eq(contacts.workspaceId, workspaceId),
        sql`(${contacts.emailHash} = any(${sql.param(emailHashes)}::text[]) or ${contacts.phoneHash} = any(${sql.param(phoneHashes)}::text[]))`,
      ),
    );
  const byEmail = new Map(found.filter((c) => c.emailHash).map((c) => [c.emailHash!, c.id]));
  const byPhone = new Map(found.filter((c) => c.phoneHash).map((c) => [c.phoneHash!, c.id]));
  for (const entry of byAddress) {
    const contactId = (entry.kind === "email" ? byEmail : byPhone).get(entry.hash) ?? null;
    resolved[entry.index] = contactId
      ? { contactId }
      : { contactId: null, unknownAddress: { channel: entry.kind === "email" ? "email" : "sms", address: entry.address, hash: entry.hash } };
  }
  return resolved;
}

/** Serialises this send with consent writers of the same contacts (record-consent.ts takes the same lock). */
function lockContacts(tx: Queryable, contactIds: string[]): Promise<void> {
  return lockKeysInOrder(tx, contactIds);
}

/**
 * The contact's address on a channel as `decide` wants it: normalised, or null when missing or
 * invalid (→ `invalid_address`). A stored address that today's normaliser would write differently
 * (a look-alike stored before zero-width characters, bidirectional controls and trailing dots
 * were handled) is null too: it is not the address its blind index stands for.
 */
function channelAddress(contact: ReturnType<typeof toContact>, channel: Channel, region: string): string | null {
  if (channel === "email") {
    if (!contact.email) return null;
    const email = normalizeEmail(contact.email);
    return email.ok && email.value === contact.email ? email.value : null;
  }
  if (!contact.phone) return null;
  const phone = normalizePhone(contact.phone, region);
  return phone.ok && phone.value === contact.phone ? phone.value : null;
}

function channelHash(row: ContactRow, channel: Channel): string | null {
  return channel === "email" ? row.emailHash : row.phoneHash;
}

function effectiveKind(requested: TopicKind, topic: TopicRow): TopicKind {
  return requested === "transactional" && topic.kind === "transactional" ? "transactional" : "marketing";
}

function storedDecision(decision: PolicyDecision, consent: StoredDecision["consent"], decidedAt: Date): StoredDecision {
  return {
    outcome: decision.outcome,
    ...(decision.outcome === "block" ? { reason: decision.reason, ...(decision.retryAt ? { retryAt: decision.retryAt.toISOString() } : {}) } : {}),
    policyVersion: decision.policyVersion,
    consent,
    checks: decision.checks,
    decidedAt: decidedAt.toISOString(),
  };
}

/**
 * Headers of a marketing email: RFC 8058 one-click unsubscribe for this contact and topic.
 * The URL carries a signed token only (no address), so it may be stored with the message.
 */
export function unsubscribeHeaders(url: string): Record<string, string> {
  return { "List-Unsubscribe": `<${url}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}

/**
 * Decide → render → record, for up to a few hundred sends, in ONE transaction:
 *
 * 1. Outside the transaction (no lock needed): the workspace policy, the topics, earlier answers
 *    for repeated idempotency keys, and contacts found by email/phone blind index.
 * 2. In the transaction: the per-contact advisory lock that `recordConsentChange` takes (sorted
 *    for many contacts), then the time of the decision, then consent states, suppressions and
 *    recent sends are read. An opt-out committed before this point is seen; one committed after
 *    waits for the lock and finds the message already recorded.
 * 3. `decide()` per send (in order, so sends earlier in the call count towards caps); allowed
 *    sends are rendered (template version, links bound to the new message id); every send is
 *    inserted with its decision (the consent event relied on, policy version, checks), encrypted
 *    address and content, and a timeline event. `ON CONFLICT DO NOTHING` on the idempotency key:
 *    a concurrent twin that committed first wins and its row is answered instead.
 *
 * An unknown email/phone is recorded as blocked `no_consent` without a contact (no contact is
 * ever created by a send). Per-send problems (unknown topic or contact, a malformed address, a
 * template that does not render, a key reused with another body) come back as error outcomes;
 * nothing is recorded for them. Delivery is not started here: the caller dispatches the queued
 * ids after commit (`dispatchMessages`).
 */
export async function recordSends(ctx: ServiceContext, requests: SendRequest[], options: { batchId?: string | null } = {}): Promise<SendOutcome[]> {
  const outcomes: (SendOutcome | undefined)[] = new Array(requests.length);
  let context = await getSendContext(ctx.db, ctx.workspaceId);
  // A key missing from the cached topics may be a topic created a moment ago: read again before refusing.
  if (requests.some((request) => !context.topicsByKey.has(request.topicKey))) context = await getSendContext(ctx.db, ctx.workspaceId, { fresh: true });
  const workspace: Workspace = { name: context.name, settings: context.settings, region: context.region, smsNumber: context.smsNumber };
  const topicByKey = context.topicsByKey;
  requests.forEach((request, index) => {
    const topic = topicByKey.get(request.topicKey);
    if (!topic) outcomes[index] = { ok: false, error: invalid(`Unknown topic "${request.topicKey}"`, "topic") };
    else if (topic.archivedAt) outcomes[index] = { ok: false, error: invalid(`Topic "${topic.key}" is archived`, "topic") };
  });

  // Repeated keys answer what was recorded first (or 409). The keys of requests that would be
  // refused now (e.g. their topic was archived since) are looked up here, so a repeat still gets
  // its first answer; the others in the send's transaction, in the same round trip as the
  // consent reads (`recordPending`).
  const firstByKey = new Map<string, number>();
  const duplicateOf = new Map<number, number>();
  requests.forEach((request, index) => {
    if (!request.idempotencyKey) return;
    const first = firstByKey.get(request.idempotencyKey);
    if (first === undefined) firstByKey.set(request.idempotencyKey, index);
    else duplicateOf.set(index, first);
  });
  const refusedKeys = [...firstByKey].filter(([, index]) => outcomes[index]).map(([key]) => key);
  if (refusedKeys.length > 0) {
    const earlier = await messagesByKeys(ctx.db, ctx.workspaceId, refusedKeys);
    for (const key of refusedKeys) {
      const row = earlier.get(key);
      const index = firstByKey.get(key)!;
      if (row) outcomes[index] = repeatOutcome(row, requests[index]!);
    }
  }
  for (const index of duplicateOf.keys()) outcomes[index] ??= { ok: false, error: invalid("Pending", "idempotencyKey") };

  const recipients = await resolveRecipients(ctx.db, ctx.workspaceId, workspace.region, requests, outcomes);
  const pending = requests.map((_, i) => i).filter((i) => !outcomes[i]);

  if (pending.length > 0) {
    await inTransaction(ctx.db, (tx) => recordPending(tx, ctx, workspace, requests, pending, recipients, topicByKey, outcomes, options.batchId ?? null));
  }

  // A key repeated inside one call answers like a repeat of the first.
  for (const [index, first] of duplicateOf) {
    const firstOutcome = outcomes[first]!;
    outcomes[index] =
      firstOutcome.ok && requests[index]!.requestHash !== requests[first]!.requestHash
        ? { ok: false, error: idempotencyConflict() }
        : firstOutcome.ok
          ? { ok: true, send: { ...firstOutcome.send, isNew: false } }
          : firstOutcome;
  }
  return outcomes.map((o) => o!);
}

async function recordPending(
  tx: Queryable,
  ctx: ServiceContext,
  workspace: Workspace,
  requests: SendRequest[],
  pending: number[],
  recipients: (ResolvedRecipient | undefined)[],
  topicByKey: Map<string, TopicRow>,
  outcomes: (SendOutcome | undefined)[],
  batchId: string | null,
): Promise<void> {
  const contactIds = [...new Set(pending.map((i) => recipients[i]?.contactId).filter((id): id is string => Boolean(id)))];
  const keys = [...new Set(pending.map((i) => requests[i]!.idempotencyKey).filter((key): key is string => Boolean(key)))];
  const topicIds = [...new Set(pending.map((i) => topicByKey.get(requests[i]!.topicKey)!.id))];
  // A superset of every cap's window (decide() applies each window itself from `decidedAt`).
  const windowStart = new Date(ctx.now().getTime() - maxWindowDays(workspace.settings) * 24 * 60 * 60 * 1000);
  const byContact = contactIds.length > 0;

  // One round trip: the contacts' advisory lock is handed to the connection first and the reads
  // are pipelined behind it. The server runs them in order and each read takes its snapshot when
  // it starts, after the lock was granted, so an opt-out that committed while we waited is seen
  // exactly as if the reads had been sent after the lock returned.
  const locked = lockContacts(tx, contactIds);
  const [, earlier, contactRows, consentRows, suppressionRows, recentRows] = await Promise.all([
    locked,
    messagesByKeys(tx, ctx.workspaceId, keys),
    byContact
      ? tx
          .select()
          .from(contacts)
          .where(and(eq(contacts.workspaceId, ctx.workspaceId), inArray(contacts.id, contactIds)))
      : [],
    byContact
      ? tx
          .select()
          .from(consentStates)
          .where(and(eq(consentStates.workspaceId, ctx.workspaceId), inArray(consentStates.contactId, contactIds), inArray(consentStates.topicId, topicIds)))
      : [],
    byContact
      ? tx
          .select({ channel: suppressions.channel, hash: suppressions.addressHash, reason: suppressions.reason })
          .from(suppressions)
          .where(
            and(
              eq(suppressions.workspaceId, ctx.workspaceId),
              sql`${suppressions.addressHash} in (select h from ${contacts} c cross join lateral (values (c.email_hash), (c.phone_hash)) as v(h)
                    where c.workspace_id = ${ctx.workspaceId} and c.id = any(${pgTextArray(contactIds)}::uuid[]) and h is not null)`,
            ),
          )
      : [],
    byContact
      ? tx
          .select({ contactId: messages.contactId, at: messages.createdAt, channel: messages.channel, topicKey: messages.topicKey, kind: messages.kind })
          .from(messages)
          .where(
            and(
              eq(messages.workspaceId, ctx.workspaceId),
              inArray(messages.contactId, contactIds),
              eq(messages.direction, "outbound"),
              gt(messages.createdAt, windowStart),
              inArray(messages.status, [...CAP_COUNTED_STATUSES]),
            ),
          )
          .orderBy(desc(messages.createdAt))
      : [],
  ]);
  const decidedAt = ctx.now();

  // Repeated keys: the first answer (or 409); nothing is decided or recorded for them.
  for (const index of pending) {
    const key = requests[index]!.idempotencyKey;
    const row = key ? earlier.get(key) : undefined;
    if (row) outcomes[index] = repeatOutcome(row, requests[index]!);
  }
  const contactById = new Map(contactRows.map((c) => [c.id, c]));
  const consentOf = new Map(consentRows.map((r) => [`${r.contactId}|${r.channel}|${r.topicId}`, r]));
  const suppressionOf = new Map<string, SuppressionReason>(suppressionRows.map((s) => [`${s.channel}|${s.hash}`, s.reason]));
  const recentOf = new Map<string, RecentSend[]>();
  for (const r of recentRows) {
    const list = recentOf.get(r.contactId!) ?? [];
    list.push({ at: r.at, channel: r.channel, topicKey: r.topicKey, kind: r.kind });
    recentOf.set(r.contactId!, list);
  }

  const env = getEnv();
  const decrypted = new Map<string, ReturnType<typeof toContact>>();
  const rows: (typeof messages.$inferInsert)[] = [];
  const rowIndex: number[] = [];

  for (const index of pending) {
    if (outcomes[index]) continue;
    const request = requests[index]!;
    const topic = topicByKey.get(request.topicKey)!;
    const consentRequest = request.consentRequest ?? null;
    // A confirmation request asks for consent on its topics: transactional, and on no topic of its
    // own (an earlier opt-out of one of them must not stop it at the late opt-out check).
    const kind: TopicKind = consentRequest ? "transactional" : effectiveKind(request.kind, topic);
    const recipient = recipients[index]!;
    const messageId = randomUUID();
    const base = {
      id: messageId,
      workspaceId: ctx.workspaceId,
      direction: "outbound" as const,
      channel: request.channel,
      topicId: consentRequest ? null : topic.id,
      topicKey: consentRequest ? null : topic.key,
      kind,
      // SMS go out from the workspace's own number when it has one: replies (STOP) then reach it.
      fromAddress:
        request.channel === "email" ? (consentRequest?.fromAddress ?? env.EMAIL_FROM) : (workspace.smsNumber ?? env.TWILIO_FROM ?? null),
      idempotencyKey: request.idempotencyKey,
      requestHash: request.requestHash,
      batchId,
      parentMessageId: request.parentMessageId ?? null,
      relation: request.relation ?? null,
      createdAt: decidedAt,
      updatedAt: decidedAt,
    };
    // A confirmation request keeps no copy of its request (the link or code): it is never re-run.
    const options: MessageOptions = consentRequest
      ? { purpose: "double_opt_in" }
      : {
          ...(request.fallback ? { fallback: true } : {}),
          ...(request.deferOnQuietHours ? { deferOnQuietHours: true } : {}),
          request: encryptRequest({ source: request.source, variables: request.variables }),
        };

    if (!recipient.contactId) {
      // No contact has this address: nobody consented to anything. Recorded, never sent.
      const unknown = recipient.unknownAddress!;
      const onChannel = unknown.channel === request.channel;
      const decision: StoredDecision = {
        outcome: "block",
        reason: "no_consent",
        policyVersion: POLICY_VERSION,
        consent: null,
        checks: ["contact: no contact has this address (a send never creates one)"],
        decidedAt: decidedAt.toISOString(),
      };
      rows.push({
        ...base,
        contactId: null,
        status: "blocked",
        reason: "no_consent",
        addressHash: onChannel ? unknown.hash : null,
        addressCiphertext: onChannel ? encryptField(unknown.address, "address") : null,
        decision,
        policyVersion: POLICY_VERSION,
        options,
      });
      rowIndex.push(index);
      continue;
    }

    const contactRow = contactById.get(recipient.contactId);
    if (!contactRow) {
      outcomes[index] = { ok: false, error: notFound("Contact") };
      continue;
    }
    let contact = decrypted.get(contactRow.id);
    if (!contact) {
      contact = toContact(contactRow);
      decrypted.set(contactRow.id, contact);
    }
    const address = contactRow.erasedAt ? null : channelAddress(contact, request.channel, workspace.region);
    const addressHash = channelHash(contactRow, request.channel);
    const consentRow = consentOf.get(`${contactRow.id}|${request.channel}|${topic.id}`) ?? null;
    const suppression = addressHash ? (suppressionOf.get(`${request.channel}|${addressHash}`) ?? null) : null;
    const recent = recentOf.get(contactRow.id) ?? [];

    const decision = decide({
      now: decidedAt,
      channel: request.channel,
      purpose: consentRequest ? "consent_request" : "send",
      kind: request.kind,
      topic: { id: topic.id, key: topic.key, kind: topic.kind, channels: topic.channels },
      contact: { id: contactRow.id, erased: contactRow.erasedAt !== null, timezone: contactRow.timezone, phone: contact.phone },
      address,
      consent: consentRow ? { status: consentRow.status, source: consentRow.source, eventId: consentRow.eventId, occurredAt: consentRow.occurredAt } : null,
      suppression: suppression ? { reason: suppression } : null,
      settings: workspace.settings,
      recentSends: recent,
    });
    const consentProof: StoredDecision["consent"] = consentRow
      ? { status: consentRow.status, source: consentRow.source, eventId: consentRow.eventId, occurredAt: consentRow.occurredAt.toISOString() }
      : null;
    const stored = storedDecision(decision, consentProof, decidedAt);
    const defer = decision.outcome === "block" && decision.reason === "quiet_hours" && request.deferOnQuietHours && decision.retryAt !== undefined;
    const common = {
      ...base,
      contactId: contactRow.id,
      addressHash,
      addressCiphertext: encryptField(address, "address"),
      decision: stored,
      consentEventId: consentRow?.eventId ?? null,
      policyVersion: decision.policyVersion,
    };

    if (decision.outcome === "block" && !defer) {
      rows.push({ ...common, status: "blocked", reason: decision.reason, options });
      rowIndex.push(index);
      continue;
    }

    let rendered: RenderedMessage;
    // A confirmation request carries no unsubscribe or preference link: nothing is subscribed yet.
    const links = consentRequest
      ? null
      : {
          unsubscribeUrl: unsubscribeUrl({ workspaceId: ctx.workspaceId, contactId: contactRow.id, channel: request.channel, topicId: topic.id, messageId }),
          preferencesUrl: preferencesUrl({ workspaceId: ctx.workspaceId, contactId: contactRow.id, channel: request.channel }, { now: decidedAt }),
        };
    const render = (source: RenderSourceInput) =>
      renderForSend({
        db: tx,
        workspaceId: ctx.workspaceId,
        source,
        channel: request.channel,
        kind,
        variables: request.variables,
        contact: {
          id: contact.id,
          firstName: contact.firstName,
          lastName: contact.lastName,
          email: contact.email,
          phone: contact.phone,
          locale: contact.locale,
          timezone: contact.timezone,
          attributes: contact.attributes,
          tags: contact.tags,
        },
        workspace: { name: workspace.name },
        links,
      });
    try {
      rendered = consentRequest ? await renderConsentRequest(render, request.source, consentRequest) : await render(request.source);
    } catch (error) {
      if (error instanceof AppError) {
        outcomes[index] = { ok: false, error };
        continue;
      }
      throw error;
    }

    const headers = request.channel === "email" && kind === "marketing" && links ? unsubscribeHeaders(links.unsubscribeUrl) : null;
    rows.push({
      ...common,
      status: defer ? "deferred" : "queued",
      reason: null,
      nextAttemptAt: defer && decision.outcome === "block" ? decision.retryAt! : null,
      queuedAt: decidedAt,
      subjectCiphertext: encryptField(rendered.subject, "subject"),
      textCiphertext: encryptField(rendered.text, "text"),
      htmlCiphertext: encryptField(rendered.html, "html"),
      headers,
      templateId: rendered.templateId,
      templateVersionId: rendered.templateVersionId,
      templateVersion: rendered.templateVersion,
      locale: rendered.locale,
      options: defer ? { ...options, deferred: true } : options,
    });
    rowIndex.push(index);
    // Later sends in this call see this one for caps and state limits.
    recentOf.set(contactRow.id, [{ at: decidedAt, channel: request.channel, topicKey: topic.key, kind }, ...recent]);
  }

  const insertedIds = await insertMessages(
    tx,
    rows.map((row) => ({
      row,
      event: {
        status: row.status!,
        source: "pipeline",
        detail: {
          ...(row.reason ? { reason: row.reason } : {}),
          ...(row.status === "deferred" && row.nextAttemptAt ? { until: row.nextAttemptAt.toISOString() } : {}),
          ...(row.relation ? { relation: row.relation, parentMessageId: row.parentMessageId } : {}),
          ...(batchId ? { batchId } : {}),
          ...((row.options as MessageOptions | undefined)?.purpose ? { purpose: (row.options as MessageOptions).purpose } : {}),
          checks: row.decision?.checks ?? [],
          policyVersion: row.policyVersion,
        },
      },
    })),
    decidedAt,
  );

  // Rows that lost the race for their idempotency key: answer the winner's record.
  const lost = rows.map((row, i) => ({ row, index: rowIndex[i]! })).filter(({ row }) => !insertedIds.has(row.id!));
  const winners = await messagesByKeys(tx, ctx.workspaceId, lost.map(({ row }) => row.idempotencyKey).filter((k): k is string => Boolean(k)));
  for (const { row, index } of lost) {
    const winner = row.idempotencyKey ? winners.get(row.idempotencyKey) : undefined;
    if (!winner) throw new Error("A message insert was skipped without an idempotency-key winner");
    outcomes[index] = repeatOutcome(winner, requests[index]!);
  }
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (!insertedIds.has(row.id!)) continue;
    outcomes[rowIndex[i]!] = {
      ok: true,
      send: {
        messageId: row.id!,
        workspaceId: ctx.workspaceId,
        contactId: row.contactId ?? null,
        channel: row.channel,
        topicKey: row.topicKey ?? "",
        status: row.status!,
        answer: firstAnswer({ status: row.status!, reason: row.reason ?? null, decision: row.decision ?? null, options: row.options ?? {} }),
        isNew: true,
        fallback: Boolean(row.options && (row.options as MessageOptions).fallback),
      },
    };
  }
}

/**
 * The content of a double opt-in confirmation: the workspace's template (`request.source`), unless
 * it fails to render or leaves out the link or code it exists to carry (an edited template, an
 * archived one); then the built-in wording. A person who asked to subscribe always gets a
 * working link or code.
 */
async function renderConsentRequest(
  render: (source: RenderSourceInput) => Promise<RenderedMessage>,
  source: RenderSourceInput,
  consentRequest: NonNullable<SendRequest["consentRequest"]>,
): Promise<RenderedMessage> {
  try {
    const rendered = await render(source);
    if (rendered.text.includes(consentRequest.mustInclude)) return rendered;
    logger.warn({ templateId: rendered.templateId }, "confirmation template leaves out the link or code; using the built-in wording");
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    logger.warn({ err: error }, "confirmation template failed to render; using the built-in wording");
  }
  return render(consentRequest.fallback);
}

/** One row of the record step with its first timeline event. */
interface MessageInsert {
  row: typeof messages.$inferInsert;
  event: { status: string; source: string; detail: Record<string, unknown> };
}

/**
 * The record step's write, shared by every outbound message (sends, confirmation requests, system
 * messages, keyword replies): the rows (`ON CONFLICT DO NOTHING`: a concurrent twin with the same
 * idempotency key may win) and their first timeline events, in ONE round trip: the events
 * statement runs after the inserts and keeps only the rows that exist under our ids, so a row
 * skipped by ON CONFLICT gets no event from us. Returns the ids inserted.
 */
async function insertMessages(tx: Queryable, items: MessageInsert[], occurredAt: Date): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const inserts: Promise<{ id: string }[]>[] = [];
  for (let start = 0; start < items.length; start += INSERT_CHUNK) {
    const chunk = items.slice(start, start + INSERT_CHUNK).map((item) => item.row);
    // `.execute()` hands each insert to the connection now, ahead of the events statement below.
    inserts.push(tx.insert(messages).values(chunk).onConflictDoNothing().returning({ id: messages.id }).execute());
  }
  const column = (pick: (item: MessageInsert) => string) => pgTextArray(items.map(pick));
  const [insertedChunks] = await Promise.all([
    Promise.all(inserts),
    tx.execute(sql`
      insert into ${messageEvents} (workspace_id, message_id, status, source, detail, occurred_at)
      select e.workspace_id, e.id, e.status, e.source, e.detail::jsonb, ${occurredAt.toISOString()}::timestamptz
        from unnest(${column((i) => i.row.id!)}::uuid[], ${column((i) => i.row.workspaceId)}::uuid[], ${column((i) => i.event.status)}::text[],
                    ${column((i) => i.event.source)}::text[], ${column((i) => JSON.stringify(i.event.detail))}::text[])
             with ordinality as e(id, workspace_id, status, source, detail, n)
       where exists (select 1 from ${messages} m where m.id = e.id and m.workspace_id = e.workspace_id)
       order by e.n`),
  ]);
  return new Set(insertedChunks.flat().map((r) => r.id));
}

/**
 * A message the product writes itself, already rendered, to someone it needs no consent from:
 * a system message to a workspace member (an invitation, a sign-in link), or a keyword reply to
 * the number that just texted.
 */
export interface DirectMessage {
  workspaceId: string;
  channel: Channel;
  kind: MessageKind;
  purpose?: MessagePurpose;
  /** The contact (keyword replies), when the address is one. */
  contactId?: string | null;
  /** The member (system messages), when the address has an account. */
  userId?: string | null;
  /**
   * Blind index of the address for the suppression checks and the history's address search;
   * null for members, who are not contacts (a contact suppression never stops their sign-in link).
   */
  addressHash: string | null;
  address: string;
  fromAddress: string | null;
  content: { subject?: string | null; text: string; html?: string | null };
  template?: { templateId: string | null; templateVersionId: string | null; templateVersion: number | null; locale: string | null };
  parentMessageId?: string | null;
  relation?: string | null;
  /** Why it may go out without a consent decision, for the stored decision (never an address). */
  checks: string[];
  /** Extra options (e.g. the recipient's role, for who may read a system message). */
  options?: Record<string, unknown>;
  idempotencyKey?: string | null;
}

/**
 * Records messages that need no consent decision through the record step (`insertMessages`):
 * - `outbox`: `queued`, delivered after commit by the outbox like every send (retries with
 *   backoff, the sweep, status webhooks, the Outbox with the log transport);
 * - `twiml`: already on its way inside the webhook's HTTP answer (Twilio sends the TwiML reply),
 *   so recorded as `sent` with transport `twiml` and never handed to the outbox.
 * Address and content are encrypted like every message; the stored decision names the checks.
 * Returns the ids in order. Runs in the caller's transaction when there is one.
 */
export async function recordDirectMessages(db: Queryable, now: Date, direct: DirectMessage[], delivery: "outbox" | "twiml"): Promise<string[]> {
  const items: MessageInsert[] = direct.map((message) => {
    const id = randomUUID();
    const sent = delivery === "twiml";
    const options: MessageOptions = { ...(message.options ?? {}), ...(message.purpose ? { purpose: message.purpose } : {}) };
    const decision: StoredDecision = { outcome: "send", policyVersion: POLICY_VERSION, consent: null, checks: message.checks, decidedAt: now.toISOString() };
    return {
      row: {
        id,
        workspaceId: message.workspaceId,
        contactId: message.contactId ?? null,
        userId: message.userId ?? null,
        direction: "outbound",
        channel: message.channel,
        kind: message.kind,
        status: sent ? "sent" : "queued",
        addressHash: message.addressHash,
        addressCiphertext: encryptField(message.address, "address"),
        fromAddress: message.fromAddress,
        subjectCiphertext: encryptField(message.content.subject ?? null, "subject"),
        textCiphertext: encryptField(message.content.text, "text"),
        htmlCiphertext: encryptField(message.content.html ?? null, "html"),
        templateId: message.template?.templateId ?? null,
        templateVersionId: message.template?.templateVersionId ?? null,
        templateVersion: message.template?.templateVersion ?? null,
        locale: message.template?.locale ?? null,
        idempotencyKey: message.idempotencyKey ?? null,
        parentMessageId: message.parentMessageId ?? null,
        relation: message.relation ?? null,
        decision,
        policyVersion: POLICY_VERSION,
        options,
        ...(sent ? { transport: "twiml", sentAt: now, segments: message.channel === "sms" ? countSmsSegments(message.content.text).segments : null } : {}),
        queuedAt: now,
        createdAt: now,
        updatedAt: now,
      },
      event: {
        status: sent ? "sent" : "queued",
        source: sent ? "webhook" : "pipeline",
        detail: {
          ...(sent ? { transport: "twiml", via: "webhook answer" } : {}),
          ...(message.purpose ? { purpose: message.purpose } : {}),
          ...(message.relation ? { relation: message.relation, parentMessageId: message.parentMessageId } : {}),
          checks: message.checks,
          policyVersion: POLICY_VERSION,
        },
      },
    };
  });
  const inserted = await inTransaction(db, (tx) => insertMessages(tx, items, now));
  return items.filter((item) => inserted.has(item.row.id!)).map((item) => item.row.id!);
}
