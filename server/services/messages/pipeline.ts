import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { contacts, messageEvents, messages, type Channel, type MessageKind, type MessagePurpose, type StoredDecision } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { emailLookupKey, normalizeEmail, normalizePhone } from "@/server/lib/addresses";
import { blindIndex } from "@/server/lib/crypto";
import { pgTextArray } from "@/server/lib/pg-array";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { invalid } from "@/server/lib/errors";
import { inTransaction, type ServiceContext } from "../context";
import { POLICY_VERSION } from "../policy/types";
import { encryptField } from "./message-secrets";
import { getSendContext } from "./send-context";
import type { SendOutcome, SendRequest } from "./pipeline-types";
import { idempotencyConflict, messagesByKeys, repeatOutcome, type MessageOptions } from "./record-answers";
import {
  answerRecorded,
  answerRepeatedKeys,
  buildRows,
  lockAndRead,
  timelineEvent,
  type MessageInsertRow,
  type PendingSends,
  type ResolvedRecipient,
  type Workspace,
} from "./record-steps";

export { firstAnswer, idempotencyConflict, type MessageOptions } from "./record-answers";

/** Rows per multi-row INSERT (about 40 columns each, far below the 65,535-parameter limit). */
const INSERT_CHUNK = 250;

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
    await inTransaction(ctx.db, (tx) =>
      recordPending({ tx, ctx, workspace, requests, pending, recipients, topicByKey, outcomes, batchId: options.batchId ?? null }),
    );
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

/**
 * The record step's transaction for the sends still pending, step by step (`record-steps.ts`):
 * lock the contacts and read what the decisions need (one round trip) → answer repeated keys →
 * per send: draft → decide → render → row → insert every row with its timeline event (one round
 * trip) → answer each send (and, only if a concurrent twin won a key, read the winners).
 */
async function recordPending(sends: PendingSends): Promise<void> {
  const state = await lockAndRead(sends);
  answerRepeatedKeys({ ...sends, earlier: state.earlier });
  const { rows, rowIndex } = await buildRows(sends, state);
  const insertedIds = await insertMessages(
    sends.tx,
    rows.map((row) => ({ row, event: timelineEvent({ row, batchId: sends.batchId }) })),
    state.decidedAt,
  );
  await answerRecorded({ ...sends, rows, rowIndex, insertedIds });
}

/** One row of the record step with its first timeline event. */
interface MessageInsert {
  row: MessageInsertRow;
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
