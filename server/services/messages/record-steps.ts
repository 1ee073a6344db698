import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import {
  consentStates,
  contacts,
  messages,
  type Channel,
  type MessageRow,
  type StoredDecision,
  type SuppressionReason,
  type TopicKind,
  type TopicRow,
} from "@/db/schema";
import type { Queryable } from "@/db/client";
import { normalizeEmail, normalizePhone } from "@/server/lib/addresses";
import { mapTableRows, resultRows } from "@/db/map-rows";
import { getEnv } from "@/server/lib/env";
import { AppError, notFound } from "@/server/lib/errors";
import { logger } from "@/server/lib/logger";
import { pgTextArray } from "@/server/lib/pg-array";
import { preferencesUrl, unsubscribeUrl } from "@/server/lib/tokens";
import { fileDownloadUrl, webVersionUrl } from "@/server/lib/resource-tokens";
import { CAP_COUNTED_STATUSES } from "@/server/shared/enums";
import type { TrackingSettings } from "@/server/shared/tracking-settings";
import type { WorkspaceProfile } from "@/server/shared/workspace-profile";
import { newShortCode, trackingBaseUrl, trackingCodec } from "@/server/lib/tracking-tokens";
import { rewriteForTracking } from "../tracking/rewrite-links";
import type { MessageLinkInsert } from "./insert-messages";
import { toContact, type ContactRow } from "../contacts/rows";
import type { ServiceContext } from "../context";
import { replyToHeaders, workspaceFrom, workspacePostalAddress } from "../workspaces/sender";
import { decide, maxWindowDays } from "../policy/decide";
import { POLICY_VERSION, type MessagingSettings, type PolicyDecision, type RecentSend } from "../policy/types";
import { renderForSend, type RenderedMessage } from "../templates/render";
import { encryptField, encryptRequest } from "./message-secrets";
import type { RenderSourceInput, SendOutcome, SendRequest } from "./pipeline-types";
import { DEFERRED_EXPIRY_HOURS } from "./backoff";
import { firstAnswer, messagesByKeys, repeatOutcome, type MessageOptions } from "./record-answers";

/**
 * The steps of the record step's transaction (`recordPending` in record-sends.ts), in the order it
 * runs them: lock and read → answer repeated keys → per send: draft → decide → render → row → insert
 * with timeline events (insert-messages.ts) → answer. Each takes one input object. The reads stay one
 * pipelined round trip and the write one more (`insertMessages`); nothing here adds a query per send.
 */

/** A row of `messages` as the record step writes it. */
export type MessageInsertRow = typeof messages.$inferInsert;

/** What the send path needs of the workspace (from the cached send context). */
export interface Workspace {
  name: string;
  settings: MessagingSettings;
  region: string;
  smsNumber: string | null;
  profile: WorkspaceProfile;
  /** Open and click tracking of marketing messages. */
  tracking: TrackingSettings;
}

export interface ResolvedRecipient {
  contactId: string | null;
  /** For an address that matched no contact: the address given and its blind index. */
  unknownAddress?: { channel: Channel; address: string; hash: string };
}

/** The sends of one call, as every step of the transaction sees them. */
export interface PendingSends {
  tx: Queryable;
  ctx: ServiceContext;
  workspace: Workspace;
  requests: SendRequest[];
  /** Indexes into `requests` still to record (no outcome yet). */
  pending: number[];
  recipients: (ResolvedRecipient | undefined)[];
  topicByKey: Map<string, TopicRow>;
  /** Per request, filled in by the steps: an error, or what was (or had been) recorded. */
  outcomes: (SendOutcome | undefined)[];
  batchId: string | null;
}

/** What the decisions of this call read, keyed for lookups, and the time they are made at. */
export interface SendState {
  /** Messages already recorded under the pending requests' idempotency keys. */
  earlier: Map<string, MessageRow>;
  contactById: Map<string, ContactRow>;
  /** `contactId|channel|topicId` → the consent state. */
  consentOf: Map<string, typeof consentStates.$inferSelect>;
  /** `channel|addressHash` → why the address is suppressed. */
  suppressionOf: Map<string, SuppressionReason>;
  /** Recent sends per contact, newest first; sends recorded earlier in this call are added. */
  recentOf: Map<string, RecentSend[]>;
  /** Decrypted contacts, each decrypted once per call. */
  decrypted: Map<string, ReturnType<typeof toContact>>;
  decidedAt: Date;
}

/**
 * Step 1, lock and read, ONE statement: `send_decision_reads` (migration 0034) takes the contacts'
 * advisory locks (the one `recordConsentChange` takes, sorted for many contacts) and then reads,
 * each in a snapshot taken after the locks were granted, earlier answers for the idempotency keys,
 * the contacts, their consent states for the topics, suppressions of their addresses, and their
 * recent sends within the longest cap window. An opt-out that committed while we waited is seen.
 * One statement instead of six saves the server a parse/bind/execute per read and the process
 * the query building and result mapping of each. The decision time is taken after the reads.
 */
export async function lockAndRead({
  tx,
  ctx,
  workspace,
  requests,
  pending,
  recipients,
  topicByKey,
}: PendingSends): Promise<SendState> {
  const contactIds = [
    ...new Set(pending.map((i) => recipients[i]?.contactId).filter((id): id is string => Boolean(id))),
  ];
  const keys = [
    ...new Set(pending.map((i) => requests[i]!.idempotencyKey).filter((key): key is string => Boolean(key))),
  ];
  const topicIds = [...new Set(pending.map((i) => topicByKey.get(requests[i]!.topicKey)!.id))];
  // A superset of every cap's window (decide() applies each window itself from `decidedAt`).
  const windowStart = new Date(ctx.now().getTime() - maxWindowDays(workspace.settings) * 24 * 60 * 60 * 1000);

  const [answer] = resultRows<{ reads: DecisionReads | string }>(
    await tx.execute(
      sql`select send_decision_reads(${ctx.workspaceId}::uuid, ${pgTextArray(contactIds)}::text[], ${pgTextArray(topicIds)}::uuid[],
            ${pgTextArray(keys)}::text[], ${windowStart.toISOString()}::timestamptz, ${pgTextArray(CAP_COUNTED)}::text[]) as reads`,
    ),
  );
  const reads = typeof answer!.reads === "string" ? (JSON.parse(answer!.reads) as DecisionReads) : answer!.reads;
  const decidedAt = ctx.now();

  const earlier = new Map(mapTableRows(messages, reads.earlier).map((r) => [r.idempotencyKey!, r]));
  const contactRows = mapTableRows(contacts, reads.contacts);
  const consentRows = mapTableRows(consentStates, reads.consents);
  const recentOf = new Map<string, RecentSend[]>();
  for (const r of reads.recent) {
    const list = recentOf.get(r.contactId) ?? [];
    list.push({
      at: new Date(r.at),
      channel: r.channel,
      topicKey: r.topicKey,
      kind: r.kind,
      ...(r.countsTowardCaps ? {} : { countsTowardCaps: false }),
    });
    recentOf.set(r.contactId, list);
  }
  return {
    earlier,
    contactById: new Map(contactRows.map((c) => [c.id, c])),
    consentOf: new Map(consentRows.map((r) => [`${r.contactId}|${r.channel}|${r.topicId}`, r])),
    suppressionOf: new Map<string, SuppressionReason>(
      reads.suppressions.map((s) => [`${s.channel}|${s.hash}`, s.reason]),
    ),
    recentOf,
    decrypted: new Map(),
    decidedAt,
  };
}

/** The answer of `send_decision_reads`: rows with the tables' column names, as JSON. */
interface DecisionReads {
  earlier: Record<string, unknown>[];
  contacts: Record<string, unknown>[];
  consents: Record<string, unknown>[];
  suppressions: { channel: Channel; hash: string; reason: SuppressionReason }[];
  recent: {
    contactId: string;
    at: string;
    channel: Channel;
    topicKey: string | null;
    kind: TopicKind;
    countsTowardCaps: boolean;
  }[];
}

/** The statuses the recent-sends read counts (a mutable copy for `inArray`). */
const CAP_COUNTED = [...CAP_COUNTED_STATUSES];
const HOUR_MS = 3_600_000;

/** Step 2: repeated keys answer what was recorded first (or 409); nothing is decided or recorded for them. */
export function answerRepeatedKeys({
  requests,
  pending,
  outcomes,
  earlier,
}: Pick<PendingSends, "requests" | "pending" | "outcomes"> & Pick<SendState, "earlier">): void {
  for (const index of pending) {
    const key = requests[index]!.idempotencyKey;
    const row = key ? earlier.get(key) : undefined;
    if (row) outcomes[index] = repeatOutcome(row, requests[index]!);
  }
}

/** The rows to insert, in order, and for each the index of its request. */
export interface RecordRows {
  rows: MessageInsertRow[];
  rowIndex: number[];
  /** The tracked links of the rows (inserted with them, one statement for the call). */
  links: MessageLinkInsert[];
}

/**
 * Step 3, per send in order (so sends earlier in the call count towards caps): draft → (unknown
 * address: blocked) → decide → (blocked: row) → render → queued or deferred row. A send that
 * fails here (contact gone, template does not render) gets an error outcome and no row.
 */
export async function buildRows(sends: PendingSends, state: SendState): Promise<RecordRows> {
  const { requests, pending, outcomes, recipients, topicByKey } = sends;
  const env = getEnv();
  const rows: MessageInsertRow[] = [];
  const rowIndex: number[] = [];
  const links: MessageLinkInsert[] = [];
  const tracking = trackingFor(sends.workspace.tracking, env);
  for (const index of pending) {
    if (outcomes[index]) continue;
    const request = requests[index]!;
    const topic = topicByKey.get(request.topicKey)!;
    const recipient = recipients[index]!;
    const draft = draftMessage({ sends, request, topic, decidedAt: state.decidedAt, env });

    if (!recipient.contactId) {
      rows.push(unknownRecipientRow({ draft, unknown: recipient.unknownAddress!, decidedAt: state.decidedAt }));
      rowIndex.push(index);
      continue;
    }
    const contactRow = state.contactById.get(recipient.contactId);
    if (!contactRow) {
      outcomes[index] = { ok: false, error: notFound("Contact") };
      continue;
    }
    const contact = decryptedContact(state, contactRow);
    const judged = decideSend({ workspace: sends.workspace, request, topic, draft, contactRow, contact, state });

    if (judged.decision.outcome === "block" && !judged.defer) {
      rows.push({ ...judged.common, status: "blocked", reason: judged.decision.reason, options: draft.options });
      rowIndex.push(index);
      continue;
    }

    const rendered = await renderSend({
      tx: sends.tx,
      ctx: sends.ctx,
      workspace: sends.workspace,
      request,
      topic,
      draft,
      contact,
      contactId: contactRow.id,
      decidedAt: state.decidedAt,
    });
    if (rendered instanceof AppError) {
      outcomes[index] = { ok: false, error: rendered };
      continue;
    }
    if (tracking && draft.kind === "marketing" && !request.test && !draft.consentRequest)
      trackSend({ tracking, draft, rendered, links, workspaceId: sends.ctx.workspaceId });
    rows.push(
      sendRow({
        draft,
        judged,
        rendered,
        decidedAt: state.decidedAt,
        profile: sends.workspace.profile,
        expiryHours: request.deferredExpiryHours ?? DEFERRED_EXPIRY_HOURS,
      }),
    );
    rowIndex.push(index);
    // Later sends in this call see this one for caps and state limits.
    state.recentOf.set(contactRow.id, [
      {
        at: state.decidedAt,
        channel: request.channel,
        topicKey: topic.key,
        kind: draft.kind,
        ...(request.ignoreFrequencyCaps ? { countsTowardCaps: false } : {}),
      },
      ...judged.recent,
    ]);
  }
  return { rows, rowIndex, links };
}

/** What tracking a call's marketing sends get, or null when the workspace tracks nothing. */
interface Tracking {
  settings: TrackingSettings;
  baseUrl: string;
  origins: string[];
  codec: ReturnType<typeof trackingCodec>;
}

function trackingFor(settings: TrackingSettings, env: ReturnType<typeof getEnv>): Tracking | null {
  if (!settings.opens && !settings.clicks) return null;
  const baseUrl = trackingBaseUrl();
  return { settings, baseUrl, origins: [env.PUBLIC_URL, baseUrl], codec: trackingCodec() };
}

/**
 * A marketing send's content rewritten for tracking (click redirects, SMS short links, the open
 * pixel), in place; its links join the call's list (URLs encrypted). The unsubscribe and
 * preference links and the product's own pages are never rewritten (`rewrite-links.ts`).
 */
function trackSend({
  tracking,
  draft,
  rendered,
  links,
  workspaceId,
}: {
  tracking: Tracking;
  draft: Draft;
  rendered: RenderedSend;
  links: MessageLinkInsert[];
  workspaceId: string;
}): void {
  const message = rendered.rendered;
  const result = rewriteForTracking({
    channel: draft.base.channel,
    messageId: draft.messageId,
    text: message.text,
    html: message.html,
    clicks: tracking.settings.clicks,
    opens: tracking.settings.opens,
    skip: {
      urls: rendered.links ? [rendered.links.unsubscribeUrl, rendered.links.preferencesUrl] : [],
      origins: tracking.origins,
    },
    baseUrl: tracking.baseUrl,
    signOpen: tracking.codec.signOpen,
    signClick: tracking.codec.signClick,
    newShortCode,
  });
  rendered.rendered = { ...message, text: result.text, html: result.html };
  for (const link of result.links) {
    links.push({
      id: link.id,
      workspaceId,
      messageId: draft.messageId,
      position: link.position,
      urlCiphertext: encryptField(link.url, "link")!,
      urlHash: link.urlHash,
      shortCode: link.shortCode,
    });
  }
}

/** A row before its status is known. */
type RowBase = Omit<MessageInsertRow, "status">;

/** What every row of a send has, whatever the decision: ids, channel, topic, kind, sender, keys, options. */
interface Draft {
  base: RowBase;
  options: MessageOptions;
  kind: TopicKind;
  consentRequest: NonNullable<SendRequest["consentRequest"]> | null;
  messageId: string;
}

function draftMessage({
  sends,
  request,
  topic,
  decidedAt,
  env,
}: {
  sends: PendingSends;
  request: SendRequest;
  topic: TopicRow;
  decidedAt: Date;
  env: ReturnType<typeof getEnv>;
}): Draft {
  const consentRequest = request.consentRequest ?? null;
  // A confirmation request asks for consent on its topics: transactional, and on no topic of its
  // own (an earlier opt-out of one of them must not stop it at the late opt-out check).
  const kind: TopicKind = consentRequest ? "transactional" : effectiveKind(request.kind, topic);
  const messageId = randomUUID();
  const base = {
    id: messageId,
    workspaceId: sends.ctx.workspaceId,
    direction: "outbound" as const,
    channel: request.channel,
    topicId: consentRequest ? null : topic.id,
    topicKey: consentRequest ? null : topic.key,
    kind,
    // SMS go out from the workspace's own number when it has one: replies (STOP) then reach it.
    fromAddress:
      request.channel === "email"
        ? (consentRequest?.fromAddress ??
          workspaceFrom(request.senderName ? { senderName: request.senderName } : sends.workspace.profile, {
            emailFrom: env.EMAIL_FROM,
          }))
        : (sends.workspace.smsNumber ?? env.TWILIO_FROM ?? null),
    idempotencyKey: request.idempotencyKey,
    requestHash: request.requestHash,
    batchId: sends.batchId,
    parentMessageId: request.parentMessageId ?? null,
    relation: request.relation ?? null,
    campaignId: request.campaignId ?? null,
    campaignRunId: request.campaignRunId ?? null,
    variant: request.variant ?? null,
    // Set on every row of the call (the one-statement insert takes a column from all rows or none).
    countsTowardCaps: !request.ignoreFrequencyCaps,
    createdAt: decidedAt,
    updatedAt: decidedAt,
  };
  // A confirmation request keeps no copy of its request (the link or code): it is never re-run.
  const options: MessageOptions = consentRequest
    ? { purpose: "double_opt_in" }
    : {
        ...(request.fallback ? { fallback: true } : {}),
        ...(request.deferOnQuietHours ? { deferOnQuietHours: true } : {}),
        ...(request.test ? { test: true } : {}),
        ...(request.channel === "email" && request.attachmentIds?.length ? { attachments: request.attachmentIds } : {}),
        request: encryptRequest({
          source: request.source,
          variables: request.variables,
          ...(request.utm ? { utm: request.utm } : {}),
          ...(request.attachmentIds?.length ? { attachmentIds: request.attachmentIds } : {}),
          ...(request.fileLinks?.length ? { fileLinks: request.fileLinks } : {}),
          ...(request.webVersion ? { webVersion: true } : {}),
        }),
      };
  return { base, options, kind, consentRequest, messageId };
}

/** No contact has this address: nobody consented to anything. Recorded as blocked, never sent. */
function unknownRecipientRow({
  draft,
  unknown,
  decidedAt,
}: {
  draft: Draft;
  unknown: NonNullable<ResolvedRecipient["unknownAddress"]>;
  decidedAt: Date;
}): MessageInsertRow {
  const onChannel = unknown.channel === draft.base.channel;
  const decision: StoredDecision = {
    outcome: "block",
    reason: "no_consent",
    policyVersion: POLICY_VERSION,
    consent: null,
    checks: ["contact: no contact has this address (a send never creates one)"],
    decidedAt: decidedAt.toISOString(),
  };
  return {
    ...draft.base,
    contactId: null,
    status: "blocked",
    reason: "no_consent",
    addressHash: onChannel ? unknown.hash : null,
    addressCiphertext: onChannel ? encryptField(unknown.address, "address") : null,
    decision,
    policyVersion: POLICY_VERSION,
    options: draft.options,
  };
}

function decryptedContact(state: SendState, contactRow: ContactRow): ReturnType<typeof toContact> {
  let contact = state.decrypted.get(contactRow.id);
  if (!contact) {
    contact = toContact(contactRow);
    state.decrypted.set(contactRow.id, contact);
  }
  return contact;
}

/** A send to a known contact, judged: the decision, whether it waits for quiet hours to end, and the row's decided columns. */
interface Judged {
  decision: PolicyDecision;
  defer: boolean;
  /** The contact's recent sends the decision counted. */
  recent: RecentSend[];
  common: RowBase;
}

/** `decide()` (pure) on what was read under the lock, and the columns every decided row carries. */
function decideSend({
  workspace,
  request,
  topic,
  draft,
  contactRow,
  contact,
  state,
}: {
  workspace: Workspace;
  request: SendRequest;
  topic: TopicRow;
  draft: Draft;
  contactRow: ContactRow;
  contact: ReturnType<typeof toContact>;
  state: SendState;
}): Judged {
  const decidedAt = state.decidedAt;
  const address = contactRow.erasedAt ? null : channelAddress(contact, request.channel, workspace.region);
  const addressHash = channelHash(contactRow, request.channel);
  const consentRow = state.consentOf.get(`${contactRow.id}|${request.channel}|${topic.id}`) ?? null;
  const suppression = addressHash ? (state.suppressionOf.get(`${request.channel}|${addressHash}`) ?? null) : null;
  const recent = state.recentOf.get(contactRow.id) ?? [];

  const decision = decide({
    now: decidedAt,
    channel: request.channel,
    purpose: draft.consentRequest ? "consent_request" : "send",
    kind: request.kind,
    topic: { id: topic.id, key: topic.key, kind: topic.kind, channels: topic.channels },
    contact: {
      id: contactRow.id,
      erased: contactRow.erasedAt !== null,
      timezone: contactRow.timezone,
      phone: contact.phone,
    },
    address,
    consent: consentRow
      ? {
          status: consentRow.status,
          source: consentRow.source,
          eventId: consentRow.eventId,
          occurredAt: consentRow.occurredAt,
        }
      : null,
    suppression: suppression ? { reason: suppression } : null,
    settings: workspace.settings,
    recentSends: recent,
    ...(request.ignoreFrequencyCaps ? { ignoreFrequencyCaps: true } : {}),
  });
  const consentProof: StoredDecision["consent"] = consentRow
    ? {
        status: consentRow.status,
        source: consentRow.source,
        eventId: consentRow.eventId,
        occurredAt: consentRow.occurredAt.toISOString(),
      }
    : null;
  const stored = storedDecision(decision, consentProof, decidedAt);
  const defer =
    decision.outcome === "block" &&
    decision.reason === "quiet_hours" &&
    request.deferOnQuietHours &&
    decision.retryAt !== undefined;
  const common = {
    ...draft.base,
    contactId: contactRow.id,
    addressHash,
    addressCiphertext: encryptField(address, "address"),
    decision: stored,
    consentEventId: consentRow?.eventId ?? null,
    policyVersion: decision.policyVersion,
  };
  return { decision, defer, recent, common };
}

/** The rendered content and the links it carries (none for a confirmation request). */
interface RenderedSend {
  rendered: RenderedMessage;
  links: { unsubscribeUrl: string; preferencesUrl: string } | null;
}

/**
 * Renders an allowed (or deferred) send: the template version with the contact's fields, links
 * bound to the new message id. A template that does not render is the send's error (returned,
 * not thrown); a confirmation request falls back to the built-in wording instead.
 */
async function renderSend({
  tx,
  ctx,
  workspace,
  request,
  topic,
  draft,
  contact,
  contactId,
  decidedAt,
}: {
  tx: Queryable;
  ctx: ServiceContext;
  workspace: Workspace;
  request: SendRequest;
  topic: TopicRow;
  draft: Draft;
  contact: ReturnType<typeof toContact>;
  contactId: string;
  decidedAt: Date;
}): Promise<RenderedSend | AppError> {
  const { consentRequest, kind, messageId } = draft;
  // A confirmation request carries no unsubscribe or preference link: nothing is subscribed yet.
  const links = consentRequest
    ? null
    : {
        unsubscribeUrl: unsubscribeUrl({
          workspaceId: ctx.workspaceId,
          contactId,
          channel: request.channel,
          topicId: topic.id,
          messageId,
        }),
        preferencesUrl: preferencesUrl(
          { workspaceId: ctx.workspaceId, contactId, channel: request.channel },
          { now: decidedAt },
        ),
        ...(request.channel === "email" && request.webVersion
          ? { webVersionUrl: webVersionUrl({ workspaceId: ctx.workspaceId, id: messageId }) }
          : {}),
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
      workspace: { name: workspace.name, postalAddress: workspacePostalAddress(workspace.profile) },
      links,
      ...(request.utm ? { utm: request.utm } : {}),
      ...(request.channel === "email" && request.fileLinks?.length
        ? {
            files: request.fileLinks.map((file) => ({
              filename: file.filename,
              sizeBytes: file.sizeBytes,
              url: fileDownloadUrl({ workspaceId: ctx.workspaceId, id: file.id }),
            })),
          }
        : {}),
    });
  try {
    const rendered = consentRequest
      ? await renderConsentRequest(render, request.source, consentRequest)
      : await render(request.source);
    return { rendered, links };
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

/**
 * The row of an allowed send (`queued`) or one held back by quiet hours (`deferred` until they
 * end, expiring `expiryHours` after the decision: a message that could not go by then is stale).
 */
function sendRow({
  draft,
  judged,
  rendered: { rendered, links },
  decidedAt,
  profile,
  expiryHours,
}: {
  draft: Draft;
  judged: Judged;
  profile: WorkspaceProfile;
  rendered: RenderedSend;
  decidedAt: Date;
  expiryHours: number;
}): MessageInsertRow {
  const { decision, defer } = judged;
  const email = draft.base.channel === "email";
  const listHeaders = email && draft.kind === "marketing" && links ? unsubscribeHeaders(links.unsubscribeUrl) : {};
  const replyTo = email ? replyToHeaders(profile) : {};
  const merged = { ...listHeaders, ...replyTo };
  const headers = Object.keys(merged).length > 0 ? merged : null;
  return {
    ...judged.common,
    status: defer ? "deferred" : "queued",
    reason: null,
    nextAttemptAt: defer && decision.outcome === "block" ? decision.retryAt! : null,
    expiresAt: defer ? new Date(decidedAt.getTime() + expiryHours * HOUR_MS) : null,
    queuedAt: decidedAt,
    subjectCiphertext: encryptField(rendered.subject, "subject"),
    textCiphertext: encryptField(rendered.text, "text"),
    htmlCiphertext: encryptField(rendered.html, "html"),
    headers,
    templateId: rendered.templateId,
    templateVersionId: rendered.templateVersionId,
    templateVersion: rendered.templateVersion,
    locale: rendered.locale,
    options: defer ? { ...draft.options, deferred: true } : draft.options,
  };
}

/** Step 4's timeline event of a recorded send: its status, why, and what the decision checked. */
export function timelineEvent({ row, batchId }: { row: MessageInsertRow; batchId: string | null }): {
  status: string;
  source: string;
  detail: Record<string, unknown>;
} {
  return {
    status: row.status!,
    source: "pipeline",
    detail: {
      ...(row.reason ? { reason: row.reason } : {}),
      ...(row.status === "deferred" && row.nextAttemptAt ? { until: row.nextAttemptAt.toISOString() } : {}),
      ...(row.status === "deferred" && row.expiresAt ? { expiresAt: row.expiresAt.toISOString() } : {}),
      ...(row.relation ? { relation: row.relation, parentMessageId: row.parentMessageId } : {}),
      ...(batchId ? { batchId } : {}),
      ...((row.options as MessageOptions | undefined)?.purpose
        ? { purpose: (row.options as MessageOptions).purpose }
        : {}),
      checks: row.decision?.checks ?? [],
      policyVersion: row.policyVersion,
    },
  };
}

/**
 * Step 5, the answers: an inserted row answers as new; a row that lost the race for its
 * idempotency key (`ON CONFLICT DO NOTHING` skipped it) answers the winner's record, read in one
 * query (only when a race was lost).
 */
export async function answerRecorded({
  tx,
  ctx,
  requests,
  outcomes,
  rows,
  rowIndex,
  insertedIds,
}: Pick<PendingSends, "tx" | "ctx" | "requests" | "outcomes"> &
  Omit<RecordRows, "links"> & { insertedIds: Set<string> }): Promise<void> {
  const lost = rows.map((row, i) => ({ row, index: rowIndex[i]! })).filter(({ row }) => !insertedIds.has(row.id!));
  const winners = await messagesByKeys(
    tx,
    ctx.workspaceId,
    lost.map(({ row }) => row.idempotencyKey).filter((k): k is string => Boolean(k)),
  );
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
        answer: firstAnswer({
          status: row.status!,
          reason: row.reason ?? null,
          decision: row.decision ?? null,
          options: row.options ?? {},
        }),
        isNew: true,
        fallback: Boolean(row.options && (row.options as MessageOptions).fallback),
      },
    };
  }
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
    ...(decision.outcome === "block"
      ? { reason: decision.reason, ...(decision.retryAt ? { retryAt: decision.retryAt.toISOString() } : {}) }
      : {}),
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
    logger.warn(
      { templateId: rendered.templateId },
      "confirmation template leaves out the link or code; using the built-in wording",
    );
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    logger.warn({ err: error }, "confirmation template failed to render; using the built-in wording");
  }
  return render(consentRequest.fallback);
}
