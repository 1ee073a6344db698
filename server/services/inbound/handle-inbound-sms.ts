import { randomUUID } from "node:crypto";
import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import {
  consentEvents,
  consentStates,
  contacts,
  messageEvents,
  messages,
  suppressions,
  topics,
  webhookEvents,
  type TopicRow,
} from "@/db/schema";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { normalizePhone } from "@/server/lib/addresses";
import { lockKey, lockKeysInOrder } from "@/server/lib/advisory-locks";
import { pgTextArray } from "@/server/lib/pg-array";
import { blindIndex, encryptPii } from "@/server/lib/crypto";
import { AppError } from "@/server/lib/errors";
import { getEnv } from "@/server/lib/env";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { writeAudit } from "../audit/write-audit";
import { recordConsentChange } from "../consent/record-consent-change";
import { inTransaction, type PublicContext, type ServiceContext } from "../context";
import { MESSAGE_PII_PURPOSE } from "../messages/message-view";
import { recordDirectMessages } from "../messages/record-direct-messages";
import { suppressAddress } from "../suppressions/suppress-address";
import { classifyInbound, type InboundClassification } from "./classify-inbound";
import { findInboundWorkspaces, supportContactOf, type InboundWorkspace } from "./inbound-workspace";
import { helpReply, optInConfirmation, optOutConfirmation } from "./replies";
import { attributeReply } from "../tracking/attribute-reply";
import { keywordReplyText, type ReplyText } from "./reply-text";

/** The fields of Twilio's inbound webhook we use (the route passes them through unchanged). */
export const ZInboundSmsInput = z.object({
  messageSid: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{2,64}$/, "MessageSid is missing or malformed"),
  from: z.string().trim().min(1, "From is missing").max(64),
  to: z.string().trim().max(64).default(""),
  body: z.string().max(10_000).default(""),
});
export type TInboundSmsInput = z.input<typeof ZInboundSmsInput>;

/** Where one inbound text was recorded. */
export interface InboundDelivery {
  workspaceId: string;
  messageId: string;
  contactId: string | null;
}

export interface InboundSmsResult {
  /** The same MessageSid was handled before (a Twilio retry): nothing changed, no reply. */
  isDuplicate: boolean;
  /** One entry per workspace the text was routed to (empty for a duplicate). */
  deliveries: InboundDelivery[];
  classification: InboundClassification;
  /** The text to answer with in TwiML, or null for none. */
  reply: string | null;
}

/** What the inbound row remembers about a STOP, so START can undo exactly that. */
interface StoredOptOut {
  consentBatchId: string | null;
  /** Topics that were `opted_in` before this STOP opted them out. */
  restorableTopicIds: string[];
}

/** The sender as one candidate workspace reads it (phones are normalised in its default region). */
export interface SenderInWorkspace {
  workspace: InboundWorkspace;
  /** Blind index of the sender's phone in this workspace; null for short codes and alphanumeric senders. */
  addressHash: string | null;
  address: string;
}

/** The sender as each candidate workspace reads it (its phone normalised in that workspace's region). */
export function sendersIn(from: string, candidates: readonly InboundWorkspace[]): SenderInWorkspace[] {
  return candidates.map((workspace) => {
    const phone = normalizePhone(from, workspace.defaultRegion);
    // Short codes and alphanumeric senders have no E.164 form: recorded, but nothing to suppress.
    return {
      workspace,
      addressHash: phone.ok ? blindIndex(workspace.id, "phone", phone.value) : null,
      address: phone.ok ? phone.value : from,
    };
  });
}

/** The webhook_events dedupe key that claims an inbound MessageSid (provider `twilio`). */
export const inboundDedupeKey = (messageSid: string) => `inbound:${messageSid}`;

/**
 * Claims an inbound MessageSid in `webhook_events` (provider `twilio`, `inbound:<sid>`), received
 * `at`, with `payload` besides the number it was sent to; `appliedAt` null leaves it for the drain.
 * Answers the row's id, or undefined when the MessageSid was claimed before (a Twilio retry).
 */
export async function claimInbound(
  db: Queryable,
  text: { messageSid: string; to: string },
  payload: Record<string, unknown>,
  at: Date,
  appliedAt: Date | null,
): Promise<{ id: string } | undefined> {
  const [claimed] = await db
    .insert(webhookEvents)
    .values({
      provider: "twilio",
      dedupeKey: inboundDedupeKey(text.messageSid),
      type: "inbound",
      providerMessageId: text.messageSid,
      payload: { to: text.to || null, ...payload },
      occurredAt: at,
      receivedAt: at,
      appliedAt,
    })
    .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.dedupeKey] })
    .returning({ id: webhookEvents.id });
  return claimed;
}

/**
 * Handles one inbound SMS (already verified as coming from Twilio), in one transaction.
 *
 * Routing (docs/api.md "Inbound SMS routing"): the candidate workspaces are those using the number
 * the text was sent to (`findInboundWorkspaces`). Among them the text belongs to every workspace
 * that knows the sender: where the phone is a contact (not erased) or has been sent an SMS. When
 * none knows it, an opt-out or opt-in applies in every candidate (an unknown number's STOP must
 * still suppress it wherever it could be texted from that number), and any other text is recorded
 * in the first candidate only (the default workspace, else the oldest).
 *
 * In each of those workspaces:
 * - records it as a message (direction inbound, status received, channel sms, address and body
 *   encrypted, provider id = MessageSid, contact when the number is known);
 * - opt-out (STOP… or opt-out phrasing): suppresses the number on SMS (`sms_stop`, so unknown
 *   numbers are covered and re-imports cannot revive it) and opts the contact out of every
 *   marketing SMS topic not already opted out (ledger source `sms_keyword`, evidence = the
 *   MessageSid, one batch);
 * - opt-in (START, UNSTOP, YES): lifts an `sms_stop` / `provider_opt_out` suppression and opts
 *   back in exactly the topics the last STOP removed (those that were opted in before it and whose
 *   state still rests on that STOP);
 * - help (HELP, INFO): nothing changes.
 *
 * One reply at most (Twilio delivers it from the TwiML answer), and only when something changed
 * for an opt-out or opt-in: a repeated STOP records nothing and gets no reply. Routed to one
 * workspace, the reply uses its `opt_out_confirmation` / `help_reply` system templates (built-in
 * wording otherwise) and its brand; routed to several, the built-in neutral wording that names no
 * workspace. The reply is recorded in each routed workspace's history (transactional, status
 * sent, relation `keyword_reply`, parent = that workspace's inbound message).
 *
 * Idempotent per MessageSid: it is claimed in `webhook_events` (provider `twilio`, dedupe key
 * `inbound:<sid>`) first, so a Twilio retry changes nothing and gets no reply. Texts from one
 * number are serialised by the advisory locks on its blind indexes (the same locks contact upserts
 * take), so a STOP and a START racing each other apply one after the other. Audited as the
 * provider (`twilio`) through the consent and suppression writers, in each workspace's own chain.
 */
export async function handleInboundSms({
  ctx,
  input: rawInput,
  stored,
}: {
  ctx: PublicContext;
  input: TInboundSmsInput;
  /**
   * The text was acknowledged first and stored (`storeInboundText`): its `webhook_events` row is
   * the claim (marked applied here, its encrypted sender and body dropped), and it is recorded at
   * the time it arrived.
   */
  stored?: { eventId: string; receivedAt: Date };
}): Promise<InboundSmsResult> {
  const input = ZInboundSmsInput.parse(rawInput);
  const candidates = await findInboundWorkspaces(ctx.db, input.to);
  if (candidates.length === 0) throw new AppError("UNAVAILABLE", "No workspace receives inbound SMS yet");

  const senders = sendersIn(input.from, candidates);
  const classification = classifyInbound(input.body);

  return inTransaction(ctx.db, async (tx) => {
    await lockKeysInOrder(
      tx,
      senders.flatMap((s) => (s.addressHash ? [s.addressHash] : [])),
    );
    const now = stored?.receivedAt ?? ctx.now();

    const claimed = stored
      ? (
          await tx
            .update(webhookEvents)
            .set({ appliedAt: ctx.now(), payload: sql`${webhookEvents.payload} - 'from' - 'body'` })
            .where(and(eq(webhookEvents.id, stored.eventId), isNull(webhookEvents.appliedAt)))
            .returning({ id: webhookEvents.id })
        )[0]
      : // Nothing waits on it: the inbound text is applied right here.
        await claimInbound(
          tx,
          { messageSid: input.messageSid, to: input.to },
          { classification: classification.kind },
          now,
          now,
        );
    if (!claimed) return { isDuplicate: true, deliveries: [], classification, reply: null };

    const known = await sendersKnown(tx, senders);
    const isKeywordChange = classification.kind === "opt_out" || classification.kind === "opt_in";
    const routed =
      known.size > 0
        ? senders.filter((s) => known.has(s.workspace.id))
        : isKeywordChange
          ? senders
          : senders.slice(0, 1);
    // One order for every handler, so two texts never take workspace locks in opposite orders.
    routed.sort((a, b) => (a.workspace.id < b.workspace.id ? -1 : 1));
    const isShared = routed.length > 1;

    const deliveries: (InboundDelivery & { sender: SenderInWorkspace })[] = [];
    let changed = false;
    const restoredTopicNames: string[] = [];
    for (const sender of routed) {
      const { workspace, addressHash, address } = sender;
      const service: ServiceContext = {
        db: tx,
        workspaceId: workspace.id,
        actor: { type: "provider", provider: "twilio" },
        now: ctx.now,
        requestId: ctx.requestId,
      };
      const contactId = known.get(workspace.id)?.contactId ?? null;
      const [inbound] = await tx
        .insert(messages)
        .values(
          inboundMessageValues({
            workspaceId: workspace.id,
            contactId,
            addressHash,
            address,
            text: input,
            classification,
            isShared,
            now,
          }),
        )
        // A text recorded before MessageSids were claimed in webhook_events: still one row.
        .onConflictDoNothing()
        .returning({ id: messages.id });
      if (!inbound) continue;
      deliveries.push({ workspaceId: workspace.id, messageId: inbound.id, contactId, sender });

      await tx
        .insert(messageEvents)
        .values(
          receivedEventValues({ workspaceId: workspace.id, messageId: inbound.id, contactId, classification, now }),
        );

      // A reply (not a keyword) to a campaign text sent lately counts as that message's reply.
      if (classification.kind === "other" && contactId)
        await attributeReply(tx, { workspaceId: workspace.id, contactId, at: now });

      if (classification.kind === "opt_out") {
        const outcome = await applyOptOut(tx, service, {
          inboundId: inbound.id,
          messageSid: input.messageSid,
          addressHash,
          address,
          contactId,
          classification,
        });
        await tx
          .update(messages)
          .set({ options: sql`${messages.options} || ${JSON.stringify({ optOut: outcome.stored })}::jsonb` })
          .where(eq(messages.id, inbound.id));
        changed ||= outcome.changed;
      } else if (classification.kind === "opt_in") {
        const outcome = await applyOptIn(tx, service, { messageSid: input.messageSid, addressHash, contactId });
        changed ||= outcome.changed;
        restoredTopicNames.push(...outcome.restoredTopicNames);
      }
    }
    if (deliveries.length === 0) return { isDuplicate: true, deliveries: [], classification, reply: null };

    const reply = await replyFor(tx, { classification, changed, restoredTopicNames, deliveries, isShared });
    if (reply) {
      for (const delivery of deliveries) {
        const { addressHash, address } = delivery.sender;
        await recordKeywordReply(tx, {
          workspaceId: delivery.workspaceId,
          contactId: delivery.contactId,
          inboundId: delivery.messageId,
          addressHash,
          address,
          from: input.to,
          reply,
          now,
        });
      }
    }
    return {
      isDuplicate: false,
      deliveries: deliveries.map(({ workspaceId, messageId, contactId }) => ({ workspaceId, messageId, contactId })),
      classification,
      reply: reply?.text ?? null,
    };
  });
}

/**
 * The candidate workspaces that know the sender, with its contact there (null when it was only
 * sent texts): one round trip for all candidates.
 */
async function sendersKnown(
  tx: Queryable,
  senders: SenderInWorkspace[],
): Promise<Map<string, { contactId: string | null }>> {
  const known = await knownSenders(tx, senders);
  const byWorkspace = new Map<string, { contactId: string | null }>();
  for (const s of senders) {
    const found = s.addressHash ? known.get(senderKey(s.workspace.id, s.addressHash)) : undefined;
    if (found) byWorkspace.set(s.workspace.id, found);
  }
  return byWorkspace;
}

/** The key of a sender in one workspace, as `knownSenders` answers it. */
export const senderKey = (workspaceId: string, addressHash: string) => `${workspaceId}:${addressHash}`;

/**
 * Which senders, each as one workspace reads it (`sendersIn`), that workspace knows: the phone is
 * a contact there (not erased; its id) or the workspace has texted it (contact null). Keyed by
 * `senderKey`; senders without a blind index (short codes, alphanumeric senders) are never known.
 * Two statements for any number of senders, each an index probe per sender (the contacts' phone
 * key, the messages' frequency index).
 */
export async function knownSenders(
  tx: Queryable,
  senders: readonly SenderInWorkspace[],
): Promise<Map<string, { contactId: string | null }>> {
  const hashed = senders.filter((s): s is SenderInWorkspace & { addressHash: string } => s.addressHash !== null);
  const known = new Map<string, { contactId: string | null }>();
  if (hashed.length === 0) return known;
  const workspaceIds = pgTextArray(hashed.map((s) => s.workspace.id));
  const hashes = pgTextArray(hashed.map((s) => s.addressHash));
  const [contactRows, messagedRows] = await Promise.all([
    tx.execute(sql`
      select c.workspace_id, c.phone_hash as address_hash, c.id
      from unnest(${workspaceIds}::uuid[], ${hashes}::text[]) as k(workspace_id, address_hash)
      join ${contacts} c on c.workspace_id = k.workspace_id and c.phone_hash = k.address_hash
      where c.erased_at is null`),
    tx.execute(sql`
      select distinct k.workspace_id, k.address_hash
      from unnest(${workspaceIds}::uuid[], ${hashes}::text[]) as k(workspace_id, address_hash)
      where exists (
        select 1 from ${messages} m
        where m.workspace_id = k.workspace_id and m.address_hash = k.address_hash
          and m.channel = 'sms' and m.direction = 'outbound')`),
  ]);
  for (const row of resultRows<{ workspace_id: string; address_hash: string }>(messagedRows))
    known.set(senderKey(row.workspace_id, row.address_hash), { contactId: null });
  for (const row of resultRows<{ workspace_id: string; address_hash: string; id: string }>(contactRows))
    known.set(senderKey(row.workspace_id, row.address_hash), { contactId: row.id });
  return known;
}

/**
 * The `messages` row of an inbound text routed to one workspace (direction inbound, status
 * received, address and body encrypted, provider id = MessageSid).
 */
export function inboundMessageValues(input: {
  workspaceId: string;
  contactId: string | null;
  addressHash: string | null;
  address: string;
  text: { messageSid: string; to: string; body: string };
  classification: InboundClassification;
  isShared: boolean;
  now: Date;
}): typeof messages.$inferInsert {
  const { text, classification } = input;
  return {
    workspaceId: input.workspaceId,
    contactId: input.contactId,
    direction: "inbound",
    channel: "sms",
    // Not marketing: inbound texts and keyword replies never count towards marketing caps.
    kind: "transactional",
    status: "received",
    addressHash: input.addressHash,
    addressCiphertext: encryptPii(input.address, MESSAGE_PII_PURPOSE.address),
    textCiphertext: text.body ? encryptPii(text.body, MESSAGE_PII_PURPOSE.text) : null,
    transport: "twilio",
    providerMessageId: text.messageSid,
    segments: text.body ? countSmsSegments(text.body).segments : 0,
    // `to`: our number it was sent to (not PII); the sender is the encrypted address.
    options: {
      to: text.to || null,
      classification: classification.kind,
      ...(classification.kind === "other"
        ? {}
        : { keyword: classification.keyword, matchedBy: classification.matchedBy }),
      ...(input.isShared ? { sharedNumber: true } : {}),
    },
    createdAt: input.now,
    updatedAt: input.now,
  };
}

/** The `received` timeline row of an inbound message. */
export function receivedEventValues(input: {
  workspaceId: string;
  messageId: string;
  contactId: string | null;
  classification: InboundClassification;
  now: Date;
}): typeof messageEvents.$inferInsert {
  const { classification } = input;
  return {
    workspaceId: input.workspaceId,
    messageId: input.messageId,
    status: "received",
    source: "webhook",
    detail: {
      provider: "twilio",
      classification: classification.kind,
      ...(classification.kind === "other" ? {} : { matchedBy: classification.matchedBy }),
      ...(input.contactId ? {} : { unknownNumber: true }),
    },
    occurredAt: input.now,
  };
}

/**
 * The one reply to the text, or null: opt-out and opt-in confirm only when something changed;
 * HELP always answers. Routed to several workspaces → neutral built-in wording naming none.
 */
async function replyFor(
  tx: Queryable,
  input: {
    classification: InboundClassification;
    changed: boolean;
    restoredTopicNames: string[];
    deliveries: { workspaceId: string; contactId: string | null; sender: SenderInWorkspace }[];
    isShared: boolean;
  },
): Promise<ReplyText | null> {
  const builtIn = (text: string): ReplyText => ({
    text,
    templateId: null,
    templateVersionId: null,
    templateVersion: null,
    locale: null,
  });
  const kind = input.classification.kind;
  if (kind === "other" || ((kind === "opt_out" || kind === "opt_in") && !input.changed)) return null;
  if (input.isShared) {
    if (kind === "opt_out") return builtIn(optOutConfirmation(null));
    if (kind === "opt_in") return builtIn(optInConfirmation(null, []));
    return builtIn(helpReply(null, getEnv().PUBLIC_URL));
  }
  const [only] = input.deliveries;
  const workspace = only!.sender.workspace;
  const replyInput = {
    workspaceId: workspace.id,
    brand: workspace.name,
    contactId: only!.contactId,
    supportContact: supportContactOf(workspace),
  };
  if (kind === "opt_out")
    return keywordReplyText(tx, {
      ...replyInput,
      systemKey: "opt_out_confirmation",
      fallback: optOutConfirmation(workspace.name),
    });
  if (kind === "opt_in")
    return builtIn(optInConfirmation(workspace.name, [...new Set(input.restoredTopicNames)].sort()));
  return keywordReplyText(tx, {
    ...replyInput,
    systemKey: "help_reply",
    fallback: helpReply(workspace.name, replyInput.supportContact),
  });
}

async function marketingSmsTopics(tx: Queryable, workspaceId: string): Promise<TopicRow[]> {
  const rows = await tx
    .select()
    .from(topics)
    .where(and(eq(topics.workspaceId, workspaceId), eq(topics.kind, "marketing"), isNull(topics.archivedAt)));
  return rows.filter((t) => t.channels.includes("sms"));
}

async function smsStatesOf(tx: Queryable, workspaceId: string, contactId: string, topicIds: string[]) {
  if (topicIds.length === 0) return new Map<string, { status: string; eventId: string }>();
  const rows = await tx
    .select({ topicId: consentStates.topicId, status: consentStates.status, eventId: consentStates.eventId })
    .from(consentStates)
    .where(
      and(
        eq(consentStates.workspaceId, workspaceId),
        eq(consentStates.contactId, contactId),
        eq(consentStates.channel, "sms"),
        inArray(consentStates.topicId, topicIds),
      ),
    );
  return new Map(rows.map((r) => [r.topicId, r]));
}

async function applyOptOut(
  tx: Queryable,
  service: ServiceContext,
  input: {
    inboundId: string;
    messageSid: string;
    addressHash: string | null;
    address: string | null;
    contactId: string | null;
    classification: InboundClassification;
  },
): Promise<{ changed: boolean; stored: StoredOptOut }> {
  let changed = false;
  const stored: StoredOptOut = { consentBatchId: null, restorableTopicIds: [] };
  if (input.contactId) {
    await lockContact(tx, input.contactId);
    const marketing = await marketingSmsTopics(tx, service.workspaceId);
    const states = await smsStatesOf(
      tx,
      service.workspaceId,
      input.contactId,
      marketing.map((t) => t.id),
    );
    const toOptOut = marketing.filter((t) => states.get(t.id)?.status !== "opted_out");
    if (toOptOut.length > 0) {
      const batchId = randomUUID();
      const note =
        input.classification.kind !== "other" && input.classification.matchedBy === "keyword"
          ? `SMS keyword ${input.classification.keyword}`
          : "SMS opt-out phrasing";
      await recordConsentChange({
        ctx: service,
        input: {
          contactId: input.contactId,
          channel: "sms",
          topicRows: toOptOut,
          action: "opted_out",
          source: "sms_keyword",
          evidence: { providerMessageId: input.messageSid, note },
          batchId,
        },
      });
      stored.consentBatchId = batchId;
      stored.restorableTopicIds = toOptOut.filter((t) => states.get(t.id)?.status === "opted_in").map((t) => t.id);
      changed = true;
    }
  }
  // After the ledger: contact lock before the audit chain lock, the order every consent writer uses.
  if (input.addressHash) {
    const { created } = await suppressAddress({
      ctx: service,
      input: {
        channel: "sms",
        addressHash: input.addressHash,
        address: input.address,
        reason: "sms_stop",
        source: "sms_keyword",
        note: `inbound message ${input.inboundId}`,
        contactId: input.contactId ?? undefined,
      },
    });
    changed ||= created;
  }
  return { changed, stored };
}

async function applyOptIn(
  tx: Queryable,
  service: ServiceContext,
  input: { messageSid: string; addressHash: string | null; contactId: string | null },
): Promise<{ changed: boolean; restoredTopicNames: string[] }> {
  const restoredTopicNames =
    input.contactId && input.addressHash
      ? await restoreLastStop(tx, service, { ...input, contactId: input.contactId, addressHash: input.addressHash })
      : [];
  let changed = restoredTopicNames.length > 0;
  // After the ledger: contact lock before the audit chain lock, the order every consent writer uses.
  if (input.addressHash) {
    const removed = await tx
      .delete(suppressions)
      .where(
        and(
          eq(suppressions.workspaceId, service.workspaceId),
          eq(suppressions.channel, "sms"),
          eq(suppressions.addressHash, input.addressHash),
          inArray(suppressions.reason, ["sms_stop", "provider_opt_out"]),
        ),
      )
      .returning({ id: suppressions.id, reason: suppressions.reason });
    if (removed.length > 0) {
      changed = true;
      await writeAudit(tx, service, {
        action: "suppression.removed",
        targetType: input.contactId ? "contact" : "suppression",
        targetId: input.contactId ?? removed[0]!.id,
        before: { channel: "sms", reason: removed[0]!.reason },
        after: { source: "sms_keyword" },
      });
    }
  }
  return { changed, restoredTopicNames };
}

/** Opts back in the topics the last STOP from this number removed; returns their names. */
async function restoreLastStop(
  tx: Queryable,
  service: ServiceContext,
  input: { messageSid: string; addressHash: string; contactId: string },
): Promise<string[]> {
  await lockContact(tx, input.contactId);
  // The last STOP from this number that opted topics out, and what it removed.
  const [lastStop] = await tx
    .select({ options: messages.options })
    .from(messages)
    .where(
      and(
        eq(messages.workspaceId, service.workspaceId),
        eq(messages.addressHash, input.addressHash),
        eq(messages.direction, "inbound"),
        sql`${messages.options} -> 'optOut' ->> 'consentBatchId' is not null`,
      ),
    )
    .orderBy(desc(messages.createdAt))
    .limit(1);
  const stop = lastStop?.options.optOut as StoredOptOut | undefined;
  if (!stop?.consentBatchId || stop.restorableTopicIds.length === 0) return [];

  const batchEvents = await tx
    .select({ id: consentEvents.id })
    .from(consentEvents)
    .where(and(eq(consentEvents.workspaceId, service.workspaceId), eq(consentEvents.batchId, stop.consentBatchId)));
  const batchEventIds = new Set(batchEvents.map((e) => e.id));
  const states = await smsStatesOf(tx, service.workspaceId, input.contactId, stop.restorableTopicIds);
  // Only topics whose opt-out still rests on that STOP: a later opt-out by other means stands.
  const restorable = stop.restorableTopicIds.filter((id) => {
    const state = states.get(id);
    return state?.status === "opted_out" && batchEventIds.has(state.eventId);
  });
  if (restorable.length === 0) return [];
  const topicRows = await tx
    .select()
    .from(topics)
    .where(and(eq(topics.workspaceId, service.workspaceId), inArray(topics.id, restorable), isNull(topics.archivedAt)));
  if (topicRows.length === 0) return [];
  await recordConsentChange({
    ctx: service,
    input: {
      contactId: input.contactId,
      channel: "sms",
      topicRows,
      action: "opted_in",
      source: "sms_keyword",
      evidence: { providerMessageId: input.messageSid, note: "SMS keyword START: restores what the last STOP removed" },
      batchId: randomUUID(),
    },
  });
  return topicRows.map((t) => t.name).sort();
}

/** The contact's consent lock (the key `recordConsentChange` uses), so the states read here stay current. */
async function lockContact(tx: Queryable, contactId: string): Promise<void> {
  await lockKey(tx, contactId);
}

/**
 * The reply Twilio sends from our TwiML answer, kept in the message history: recorded through the
 * pipeline's record step as already `sent` with transport `twiml` (it is delivered inside the
 * webhook's HTTP answer, so the outbox never hands it to a provider again).
 */
async function recordKeywordReply(
  tx: Queryable,
  input: {
    workspaceId: string;
    contactId: string | null;
    inboundId: string;
    addressHash: string | null;
    address: string;
    from: string;
    reply: ReplyText;
    now: Date;
  },
): Promise<void> {
  await recordDirectMessages({
    ctx: { db: tx, now: () => input.now },
    input: {
      messages: [
        {
          workspaceId: input.workspaceId,
          channel: "sms",
          // Not marketing: keyword replies never count towards marketing caps.
          kind: "transactional",
          contactId: input.contactId,
          addressHash: input.addressHash,
          address: input.address,
          fromAddress: input.from || null,
          content: { text: input.reply.text },
          template: {
            templateId: input.reply.templateId,
            templateVersionId: input.reply.templateVersionId,
            templateVersion: input.reply.templateVersion,
            locale: input.reply.locale,
          },
          parentMessageId: input.inboundId,
          relation: "keyword_reply",
          checks: ["keyword reply: answers an inbound SMS keyword, carries no marketing, needs no consent"],
        },
      ],
      delivery: "twiml",
    },
  });
}
