import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { consentStates, messages, suppressions, webhookEvents, type MessageRow } from "@/db/schema";
import { resultRows } from "@/db/map-rows";
import type { Queryable } from "@/db/client";
import { getEnv } from "@/server/lib/env";
import { logger } from "@/server/lib/logger";
import { pgTextArray } from "@/server/lib/pg-array";
import { MAX_EMAIL_BATCH, type EmailAttachment, type OutgoingEmail } from "@/server/providers/email";
import { ProviderError } from "@/server/providers/errors";
import type { OutgoingSms } from "@/server/providers/sms";
import { AWAITING_DELIVERY_STATUSES } from "@/server/shared/enums";
import type { SendingLimits } from "@/server/shared/messaging-settings";
import { recordConsentChange } from "../consent/record-consent-change";
import { inTransaction, type ServiceContext } from "../context";
import { suppressAddress } from "../suppressions/suppress-address";
import { applyPendingWebhookEventsFor } from "../webhooks/apply-pending-webhook-events-for";
import { retryDelayMs, shouldRetry } from "./backoff";
import { CIRCUIT_PROBE_WAIT_MS, gateOf, type Circuit } from "./circuit-state";
import { attachmentIdsOf, loadAttachmentFiles } from "./attachment-files";
import { decryptField } from "./message-secrets";
import type { DeliveryDeps } from "./outbox";
import { claimProbe, readCircuits, recordCircuitOutcome } from "./provider-circuits";
import { getSendContext } from "./send-context";
import { acquireSendingTokens } from "./sending-limits";
import { senderKey } from "./sending-windows";
import {
  applyMessageStatus,
  claimMessagesForDelivery,
  markMessagesSent,
  releaseClaims,
  requeueMessage,
  type AcceptedSend,
} from "./status";

export type { DeliveryDeps } from "./outbox";

export interface DeliverySummary {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  blocked: number;
  /** Handed back without a provider call (a sending limit, a paused provider); due again later. */
  delayed: number;
  /** Deferred past their expiry: failed with reason `expired`. */
  expired: number;
}

const SEND_CONCURRENCY = 8;
/** Accepted sends recorded per statement. */
const RECORD_CHUNK = 500;

async function eachWithLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(workers);
}

/**
 * The provider request of one email, built from its row at delivery time. Its campaign files
 * (`options.attachments`) come from `files`, read for the whole call; a file removed since the
 * message was recorded is left out.
 */
function toEmail(row: MessageRow, files: ReadonlyMap<string, EmailAttachment>): OutgoingEmail {
  const html = decryptField(row.htmlCiphertext, "html");
  const attachments = attachmentIdsOf(row)
    .map((id) => files.get(id))
    .filter((file): file is EmailAttachment => file !== undefined);
  return {
    from: row.fromAddress ?? getEnv().EMAIL_FROM,
    to: decryptField(row.addressCiphertext, "address")!,
    subject: decryptField(row.subjectCiphertext, "subject") ?? "",
    text: decryptField(row.textCiphertext, "text") ?? "",
    ...(html ? { html } : {}),
    ...(row.headers && Object.keys(row.headers).length > 0 ? { headers: row.headers } : {}),
    idempotencyKey: row.id,
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}

function toSms(row: MessageRow): OutgoingSms {
  return {
    to: decryptField(row.addressCiphertext, "address")!,
    body: decryptField(row.textCiphertext, "text") ?? "",
    ...(row.fromAddress ? { from: row.fromAddress } : {}),
    idempotencyKey: row.id,
  };
}

/**
 * A STOP or suppression that committed after the decision still stops a message that has not
 * reached the provider yet (deferred, retried, or simply still queued); so does a bounce,
 * complaint or provider opt-out acknowledged on another message to the same address and not
 * applied yet (the suppression the webhook drain is about to write). One statement for every
 * claimed row, joined through the messages themselves (every column of the suppression and
 * consent keys is constrained, workspace first). A suppression wins over an opt-out.
 */
async function blockedSinceDecision(
  db: Queryable,
  messageIds: string[],
): Promise<Map<string, "opted_out" | "suppressed">> {
  const blocked = new Map<string, "opted_out" | "suppressed">();
  if (messageIds.length === 0) return blocked;
  const ids = pgTextArray(messageIds);
  const found = resultRows<{ id: string; reason: "opted_out" | "suppressed" }>(
    await db.execute(sql`
      select m.id::text as id, 'suppressed' as reason
        from ${messages} m join ${suppressions} s on s.workspace_id = m.workspace_id and s.channel = m.channel and s.address_hash = m.address_hash
       where m.id = any(${ids}::uuid[])
      union all
      select m.id::text as id, 'suppressed' as reason
        from ${messages} m
        join (select b.workspace_id, b.channel, b.address_hash
                from ${webhookEvents} w
                join ${messages} b on b.transport = w.provider and b.provider_message_id = w.provider_message_id and b.direction = 'outbound'
               where w.applied_at is null and (w.payload->>'effect') is not null) p
          on p.workspace_id = m.workspace_id and p.channel = m.channel and p.address_hash = m.address_hash
       where m.id = any(${ids}::uuid[])
      union all
      select m.id::text as id, 'opted_out' as reason
        from ${messages} m join ${consentStates} c
             on c.workspace_id = m.workspace_id and c.contact_id = m.contact_id and c.channel = m.channel and c.topic_id = m.topic_id and c.status = 'opted_out'
       where m.id = any(${ids}::uuid[])`),
  );
  for (const row of found) if (row.reason === "suppressed" || !blocked.has(row.id)) blocked.set(row.id, row.reason);
  return blocked;
}

/**
 * Records the messages the providers accepted as `sent`, set-based (`markMessagesSent`). Those
 * sent through a provider that reports delivery events are recorded in a transaction that then
 * applies the webhook events that arrived before we knew their provider ids
 * (`applyPendingWebhookEventsFor`); a failure among those events goes to the outbox's
 * final-failure handling once that transaction committed.
 */
async function recordAccepted(
  deps: DeliveryDeps,
  accepted: AcceptedSend[],
  reportsEvents: ReadonlySet<string>,
): Promise<void> {
  const at = deps.now();
  const viaWebhooks = accepted.filter((a) => reportsEvents.has(a.transport));
  const local = accepted.filter((a) => !reportsEvents.has(a.transport));
  const [, failed] = await Promise.all([
    markMessagesSent(deps.db, local, at),
    viaWebhooks.length === 0
      ? []
      : inTransaction(deps.db, async (tx) => {
          await markMessagesSent(tx, viaWebhooks, at);
          const pending = await applyPendingWebhookEventsFor({
            ctx: { db: tx, now: deps.now },
            input: {
              accepted: viaWebhooks.map((a) => ({ provider: a.transport, providerMessageId: a.providerMessageId })),
            },
          });
          return pending.failed;
        }),
  ]);
  for (const message of failed) await deps.outbox.finalFailure(deps, message);
}

/**
 * The provider refused the message because the recipient opted out there (e.g. replied STOP to
 * our sender at the carrier): suppress the address on its channel (`provider_opt_out`) and record
 * an opt-out of every marketing topic of that channel in the ledger (source `provider`), in the
 * transaction that fails the message. The refusal comes on the send call, so there is no provider
 * message id: the evidence names our message instead.
 */
async function applyProviderOptOut(
  tx: Queryable,
  deps: DeliveryDeps,
  row: MessageRow,
  provider: string,
  error: ProviderError,
): Promise<void> {
  const ctx: ServiceContext = {
    db: tx,
    workspaceId: row.workspaceId,
    actor: { type: "provider", provider },
    now: deps.now,
  };
  const refusal = `${provider}${error.providerCode ? ` ${error.providerCode}` : ""}`;
  if (row.addressHash) {
    await suppressAddress({
      ctx,
      input: {
        channel: row.channel,
        addressHash: row.addressHash,
        address: decryptField(row.addressCiphertext, "address"),
        reason: "provider_opt_out",
        source: provider,
        note: `${refusal} when sending message ${row.id}`,
        contactId: row.contactId ?? undefined,
      },
    });
  }
  if (row.contactId) {
    await recordConsentChange({
      ctx,
      input: {
        contactId: row.contactId,
        channel: row.channel,
        marketingOnly: true,
        action: "opted_out",
        source: "provider",
        evidence: {
          ...(row.providerMessageId ? { providerMessageId: row.providerMessageId } : {}),
          note: `carrier opt-out (${refusal}) on message ${row.id}`,
        },
      },
    });
  }
}

async function recordFailure(
  deps: DeliveryDeps,
  row: MessageRow,
  error: unknown,
  summary: DeliverySummary,
  at?: Date,
  jitter?: number,
): Promise<void> {
  const providerError =
    error instanceof ProviderError
      ? error
      : new ProviderError(
          error instanceof Error ? `${error.name}: delivery failed` : "delivery failed",
          "unavailable",
          { providerCode: "internal_error" },
        );
  if (!(error instanceof ProviderError))
    logger.error({ err: error, messageId: row.id }, "message delivery threw an unexpected error");
  // Members of one batch call share `at` and the jitter's draw, so they come due again together and
  // are replayed as one call.
  const now = at ?? deps.now();
  const detail = {
    attempt: row.attempts,
    kind: providerError.kind,
    ...(providerError.providerCode ? { code: providerError.providerCode } : {}),
    ...(providerError.status ? { httpStatus: providerError.status } : {}),
  };

  if (shouldRetry(row.attempts, providerError.retryable)) {
    const nextAttemptAt = new Date(
      now.getTime() +
        retryDelayMs(row.attempts, providerError.retryAfterMs, jitter === undefined ? undefined : () => jitter),
    );
    await requeueMessage(deps.db, {
      workspaceId: row.workspaceId,
      messageId: row.id,
      nextAttemptAt,
      occurredAt: now,
      lastError: providerError.message,
      detail,
    });
    summary.retrying++;
    return;
  }

  const provider = row.channel === "email" ? deps.outbox.transports.email.name : deps.outbox.transports.sms.name;
  let changed = false;
  await inTransaction(deps.db, async (tx) => {
    ({ changed } = await applyMessageStatus(tx, {
      workspaceId: row.workspaceId,
      messageId: row.id,
      status: "failed",
      occurredAt: now,
      source: "provider",
      detail: { ...detail, ...(providerError.retryable ? { exhausted: true } : {}) },
      set: {
        reason: providerError.providerCode ?? "provider_error",
        lastError: providerError.message,
        nextAttemptAt: null,
      },
    }));
    if (providerError.kind === "recipient_opted_out") await applyProviderOptOut(tx, deps, row, provider, providerError);
  });
  summary.failed++;
  if (changed) await deps.outbox.finalFailure(deps, row);
}

/** The idempotency key of one batch call: derived from its members' ids (sorted, as the call's order). */
function batchKey(rows: MessageRow[]): string {
  return `batch-${createHash("sha256")
    .update(
      rows
        .map((r) => r.id)
        .sort()
        .join(","),
    )
    .digest("hex")
    .slice(0, 48)}`;
}

const byId = (a: MessageRow, b: MessageRow) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Writes each group's batch key on its members before the batch call is made, so every later
 * attempt (after a retryable error or a crash) replays that call. Only rows without a key are
 * written: a key, once written, never changes. Returns false when the keys could not be written
 * (the groups then go one by one, keyed by message id: no batch call was made for them).
 */
async function persistBatchKeys(db: Queryable, groups: { key: string; rows: MessageRow[] }[]): Promise<boolean> {
  const ids = groups.flatMap((g) => g.rows.map((r) => r.id));
  const keys = groups.flatMap((g) => g.rows.map(() => g.key));
  try {
    const result = await db.execute(sql`
      update ${messages} m set provider_batch_key = v.key
        from unnest(${pgTextArray(ids)}::uuid[], ${pgTextArray(keys)}::text[]) as v(id, key)
       where m.id = v.id and m.provider_batch_key is null
      returning m.id`);
    return resultRows(result).length === ids.length;
  } catch (error) {
    logger.error({ err: error, count: ids.length }, "could not record batch keys; these emails go one by one");
    return false;
  }
}

/** Every member of the given batches, in the order of their first call (by id). */
async function batchMembers(db: Queryable, keys: string[]): Promise<Map<string, MessageRow[]>> {
  const members = new Map<string, MessageRow[]>();
  if (keys.length === 0) return members;
  const rows = await db
    .select()
    .from(messages)
    .where(sql`${messages.providerBatchKey} = any(${pgTextArray(keys)}::text[])`);
  for (const row of rows.sort(byId)) {
    const list = members.get(row.providerBatchKey!) ?? [];
    list.push(row);
    members.set(row.providerBatchKey!, list);
  }
  return members;
}

/** A provider call's worth of claimed messages: one message, or a batch call replayed whole. */
interface Unit {
  /** The claimed rows this call delivers. */
  rows: MessageRow[];
  /** A batch call made before: its key and every member in the call's order (the provider sees them all). */
  replay?: { key: string; members: MessageRow[] };
  /** The transport's name (the circuit breaker's key). */
  transport: string;
  /** The sender the limits count for (`senderKey`). */
  sender: string;
  /** Whose sending limits apply. */
  workspaceId: string;
}

/** A unit that may not go yet, and until when. */
interface Held {
  unit: Unit;
  at: Date;
  detail: Record<string, unknown>;
}

/**
 * The most a delivery call waits, in total, for sending windows to open before it hands the rest
 * back (less when `DELIVERY_STUCK_SECONDS` is short: a quarter of it).
 */
export const MAX_LIMIT_WAIT_MS = 5_000;
/** Rounds of one delivery call (each: gate, send what may go, wait): a bound whatever the clock does. */
const MAX_ROUNDS = 50;

/** Per provider, the outcomes of one round's calls, for the circuit breaker. */
type Tallies = Map<string, { failures: number; succeeded: boolean }>;

function tallyOutcome(tallies: Tallies, provider: string, outcome: "answered" | "failed"): void {
  const tally = tallies.get(provider) ?? { failures: 0, succeeded: false };
  if (outcome === "answered") {
    tally.succeeded = true;
    tally.failures = 0;
  } else tally.failures++;
  tallies.set(provider, tally);
}

/** Whether an error counts against the provider's circuit: retryable refusals and unexpected errors. */
function countsAsFailure(error: unknown): boolean {
  return !(error instanceof ProviderError) || error.retryable;
}

const noLimits: SendingLimits = { email: [], sms: [] };

/** The sending limits of each workspace (from the send context, cached for a second). */
async function limitsOf(db: Queryable, workspaceIds: string[]): Promise<Map<string, SendingLimits>> {
  const entries = await Promise.all(
    workspaceIds.map(async (id) => {
      try {
        return [id, (await getSendContext(db, id)).settings.sendingLimits] as const;
      } catch (error) {
        logger.warn({ err: error, workspaceId: id }, "could not read sending limits; sending without them");
        return [id, noLimits] as const;
      }
    }),
  );
  return new Map(entries);
}

type GateInputs = [Map<string, Circuit>, Map<string, SendingLimits>];

/** The circuits of these providers and the sending limits of these workspaces, read together. */
function readGateInputs(deps: DeliveryDeps, providers: string[], workspaceIds: string[]): Promise<GateInputs> {
  return Promise.all([readCircuits(deps.db, providers), limitsOf(deps.db, [...new Set(workspaceIds)])]);
}

/**
 * Decides which units go in this round: units of a provider whose circuit is open wait until it
 * closes (a provider whose wait is over gets one unit through, the probe, and the rest waits for
 * its outcome); the others take their senders' tokens (`acquireSendingTokens`), and what gets
 * none waits for its projected window. A probe is claimed only once its unit has tokens.
 */
async function gateUnits(
  deps: DeliveryDeps,
  units: Unit[],
  now: Date,
  prefetched?: Promise<GateInputs>,
): Promise<{ go: Unit[]; held: Held[]; probes: Set<string>; circuits: Map<string, Circuit> }> {
  const [circuits, limits] = await (prefetched ??
    readGateInputs(
      deps,
      units.map((u) => u.transport),
      units.map((u) => u.workspaceId),
    ));
  const held: Held[] = [];
  const candidates: Unit[] = [];
  const probeDue = new Set<string>();
  /** Per provider whose probe is due, the units waiting for its outcome (their time is set below). */
  const behindProbe = new Map<string, Held[]>();
  for (const unit of units) {
    const gate = gateOf(circuits.get(unit.transport), now);
    const paused = { reason: "provider_paused", provider: unit.transport };
    if (gate.kind === "wait") held.push({ unit, at: gate.until, detail: paused });
    else if (gate.kind === "probe" && probeDue.has(unit.transport)) {
      const waiting = { unit, at: now, detail: paused };
      held.push(waiting);
      behindProbe.set(unit.transport, [...(behindProbe.get(unit.transport) ?? []), waiting]);
    } else {
      if (gate.kind === "probe") probeDue.add(unit.transport);
      candidates.push(unit);
    }
  }

  // Units of one sender and workspace form one demand, in their order.
  const demands = new Map<string, { sender: string; workspaceId: string; units: Unit[] }>();
  for (const unit of candidates) {
    const id = `${unit.workspaceId}|${unit.sender}`;
    const demand = demands.get(id) ?? { sender: unit.sender, workspaceId: unit.workspaceId, units: [] };
    demand.units.push(unit);
    demands.set(id, demand);
  }
  const list = [...demands.values()];
  const times = await acquireSendingTokens(
    deps.db,
    list.map((d) => ({
      sender: d.sender,
      windows: (limits.get(d.workspaceId) ?? noLimits)[d.units[0]!.rows[0]!.channel],
      units: d.units.map((u) => u.replay?.members.length ?? u.rows.length),
    })),
    now,
  );
  const go: Unit[] = [];
  list.forEach((demand, i) =>
    demand.units.forEach((unit, j) => {
      const at = times[i]![j]!;
      if (at <= now.getTime()) go.push(unit);
      else held.push({ unit, at: new Date(at), detail: { reason: "rate_limit", sender: unit.sender } });
    }),
  );

  // The probe unit goes if it has tokens and this call wins the probe. What waits behind it is
  // looked at again right after its outcome (this call's probe), when its tokens come, or a moment
  // later (another process's probe).
  const probes = new Set<string>();
  for (const provider of probeDue) {
    const index = go.findIndex((u) => u.transport === provider);
    let next = now;
    if (index < 0) {
      next = held.find((h) => h.unit.transport === provider && h.detail.reason === "rate_limit")?.at ?? now;
    } else if (await claimProbe(deps.db, provider, now)) {
      probes.add(provider);
    } else {
      const [unit] = go.splice(index, 1);
      next = new Date(now.getTime() + CIRCUIT_PROBE_WAIT_MS);
      held.push({ unit: unit!, at: next, detail: { reason: "provider_paused", provider } });
    }
    for (const waiting of behindProbe.get(provider) ?? []) waiting.at = next;
  }
  return { go, held, probes, circuits };
}

/**
 * Delivers outbound messages by id (the outbox): claims each row atomically (`queued`/`deferred`
 * and due → `sending`, attempts + 1; with `stuckBefore`, also `sending` rows abandoned by a dead
 * dispatcher), re-checks that no opt-out or suppression arrived since the decision, then hands
 * each to its transport with the message id as the provider idempotency key and records the
 * outcome:
 * - accepted → `sent` with the provider id (and SMS segments), then webhook events that were
 *   waiting for that id are applied;
 * - retryable error → back to `queued` with `next_attempt_at` (exponential backoff honouring
 *   Retry-After) until `MAX_DELIVERY_ATTEMPTS`, then `failed`;
 * - final error (by `ProviderError.kind`) → `failed` with the provider's code as reason; a
 *   `recipient_opted_out` refusal also suppresses the address and opts it out of every marketing
 *   topic of its channel;
 * - failed for good, or blocked here → the outbox's final-failure handling (channel fallback).
 * A waiting message past its `expires_at` (a quiet-hours deferral) is not claimed: it fails with
 * reason `expired` (then the final-failure handling).
 *
 * Before any provider call, two gates shared by every path that delivers (sends, batches,
 * campaigns, retries, fallbacks, deferrals coming due, test sends):
 * - the provider's circuit breaker (circuit-state.ts): while open, its messages are not sent;
 * - the workspace's sending limits per sender (`sendingLimits`, fixed windows counted in
 *   `sender_rate_windows` across processes): each call takes its tokens first.
 * What may not go waits in this call, claimed, for the next window (at most MAX_LIMIT_WAIT_MS in
 * all), then goes back to `queued` with `next_attempt_at` = when it may go (the projected window,
 * or the circuit's `open_until`), without counting an attempt (`releaseClaims`).
 *
 * Emails on their first attempt go through the transport's batch call when it has one
 * (`sendBatch`, up to `MAX_EMAIL_BATCH` per call): the call's key
 * is written on its members (`provider_batch_key`) before the call, and any later attempt of a
 * member replays that exact call (all its members, in the same order, with the same key), so a
 * provider that honours idempotency keys delivers each email once whatever happened to the first
 * call. A member of a batch is never sent on its own, and an opt-out recorded after its batch call
 * was made no longer stops it (the call may already have reached the provider). A replay counts
 * all its members against the limits (the provider sees them all). Every other message goes one
 * by one keyed by its id, on every attempt.
 * Safe to call twice with the same ids (the claim lets one caller through). Never throws for a
 * single message's failure.
 */
export async function deliverMessages({
  ctx: deps,
  input,
}: {
  ctx: DeliveryDeps;
  input: { messageIds: string[]; stuckBefore?: Date };
}): Promise<DeliverySummary> {
  const summary: DeliverySummary = { claimed: 0, sent: 0, retrying: 0, failed: 0, blocked: 0, delayed: 0, expired: 0 };
  const unique = [...new Set(input.messageIds)];
  if (unique.length === 0) return summary;
  const claimedAt = deps.now();
  const { claimed, expired } = await claimMessagesForDelivery(deps.db, {
    messageIds: unique,
    now: claimedAt,
    stuckBefore: input.stuckBefore,
  });
  summary.claimed = claimed.length;
  await eachWithLimit(expired, SEND_CONCURRENCY, (row) => expireMessage(deps, row, summary));
  if (claimed.length === 0) return summary;

  const { email, sms } = deps.outbox.transports;
  // The first round's circuits and limits are read alongside the checks below (one round trip less).
  const firstGate = readGateInputs(
    deps,
    [email.name, sms.name],
    claimed.map((row) => row.workspaceId),
  );
  firstGate.catch(() => {});

  // A member of a batch call may already be with the provider: only a replay of that call is safe.
  const blocked = await blockedSinceDecision(
    deps.db,
    claimed.filter((row) => !row.providerBatchKey).map((row) => row.id),
  );
  const ready: MessageRow[] = [];
  for (const row of claimed) {
    const reason = blocked.get(row.id) ?? (row.addressCiphertext ? null : "invalid_address");
    if (!reason) {
      ready.push(row);
      continue;
    }
    await applyMessageStatus(deps.db, {
      workspaceId: row.workspaceId,
      messageId: row.id,
      status: "blocked",
      occurredAt: deps.now(),
      source: "pipeline",
      detail: { reason, stage: "delivery" },
      set: { reason, nextAttemptAt: null },
    });
    summary.blocked++;
    await deps.outbox.finalFailure(deps, row);
  }

  const canBatch = Boolean(email.sendBatch);
  const transportOf = (row: MessageRow) => (row.channel === "email" ? email.name : sms.name);
  const senderOf = (row: MessageRow) =>
    senderKey(
      row.channel,
      transportOf(row),
      row.channel === "email" ? (row.fromAddress ?? getEnv().EMAIL_FROM) : row.fromAddress,
    );
  // Replays: members of a batch call made before (the outcome of which is unknown or was a retryable error).
  const replayKeys = canBatch
    ? [...new Set(ready.filter((r) => r.channel === "email" && r.providerBatchKey).map((r) => r.providerBatchKey!))]
    : [];
  const members = await batchMembers(deps.db, replayKeys);
  const oldestFirst = (a: MessageRow, b: MessageRow) => a.createdAt.getTime() - b.createdAt.getTime() || byId(a, b);
  let pending: Unit[] = [
    ...replayKeys.map((key) => {
      const rows = ready.filter((r) => r.providerBatchKey === key);
      return {
        rows,
        replay: { key, members: members.get(key) ?? rows },
        transport: email.name,
        sender: senderOf(rows[0]!),
        workspaceId: rows[0]!.workspaceId,
      };
    }),
    ...ready
      .filter((r) => !(canBatch && r.channel === "email" && r.providerBatchKey))
      .sort(oldestFirst)
      .map((row) => ({
        rows: [row],
        transport: transportOf(row),
        sender: senderOf(row),
        workspaceId: row.workspaceId,
      })),
  ];

  // Held rows stay `sending` while the call waits: well inside the time after which the sweep
  // would take them for a dead dispatcher's.
  const maxWait = Math.min(MAX_LIMIT_WAIT_MS, getEnv().DELIVERY_STUCK_SECONDS * 250);
  let waited = 0;
  for (let round = 1; pending.length > 0; round++) {
    const now = deps.now();
    const { go, held, probes, circuits } = await gateUnits(deps, pending, now, round === 1 ? firstGate : undefined);
    if (go.length > 0) await deliverUnits(deps, go, probes, circuits, summary);
    pending = held.map((h) => h.unit);
    if (held.length === 0) break;
    const wait = Math.max(0, Math.min(...held.map((h) => h.at.getTime())) - deps.now().getTime());
    if (round >= MAX_ROUNDS || waited + wait > maxWait) {
      await releaseHeld(deps, held, claimedAt, summary);
      break;
    }
    waited += wait;
    if (wait > 0) await deps.outbox.sleep(wait);
  }
  return summary;
}

/** Hands the units that could not go back to `queued` (see `releaseClaims`); a failure leaves them to the stuck-row sweep. */
async function releaseHeld(deps: DeliveryDeps, held: Held[], claimedAt: Date, summary: DeliverySummary): Promise<void> {
  const released = held.flatMap((h) =>
    h.unit.rows.map((row) => ({
      workspaceId: row.workspaceId,
      messageId: row.id,
      nextAttemptAt: h.at,
      detail: h.detail,
    })),
  );
  try {
    await releaseClaims(deps.db, released, claimedAt, deps.now());
    summary.delayed += released.length;
  } catch (error) {
    logger.error(
      { err: error, count: released.length },
      "could not hand delayed messages back; the sweep will pick them up as stuck",
    );
  }
}

/** A waiting message past its expiry: `failed` with reason `expired`, then the final-failure handling. */
async function expireMessage(deps: DeliveryDeps, row: MessageRow, summary: DeliverySummary): Promise<void> {
  const { changed } = await applyMessageStatus(deps.db, {
    workspaceId: row.workspaceId,
    messageId: row.id,
    status: "failed",
    occurredAt: deps.now(),
    source: "pipeline",
    detail: { reason: "expired", expiresAt: row.expiresAt?.toISOString(), stage: "delivery" },
    onlyFrom: AWAITING_DELIVERY_STATUSES,
    set: { reason: "expired", nextAttemptAt: null },
  });
  if (!changed) return;
  summary.expired++;
  await deps.outbox.finalFailure(deps, { ...row, status: "failed", reason: "expired" });
}

/**
 * One round's provider calls: replays as their batch call, emails on their first attempt grouped
 * into new batch calls (keys written first), everything else one by one; then the accepted sends
 * are recorded and each provider's outcomes go to its circuit.
 */
async function deliverUnits(
  deps: DeliveryDeps,
  units: Unit[],
  probes: Set<string>,
  circuits: Map<string, Circuit>,
  summary: DeliverySummary,
): Promise<void> {
  const { email, sms } = deps.outbox.transports;
  const reportsEvents = new Set([email, sms].filter((t) => t.reportsEvents).map((t) => t.name));
  const tallies: Tallies = new Map();
  // Accepted sends are recorded together once every hand-over of this round has answered. A
  // failure to record them leaves the rows `sending`: the sweep re-dispatches them after
  // DELIVERY_STUCK_SECONDS with the same idempotency keys (batch members: the same batch call), and the providers answer the first sends.
  const accepted: AcceptedSend[] = [];
  const recorded = (row: MessageRow, result: { providerMessageId: string; transport: string; segments?: number }) => {
    accepted.push({
      workspaceId: row.workspaceId,
      messageId: row.id,
      providerMessageId: result.providerMessageId,
      transport: result.transport,
      attempt: row.attempts,
      ...(result.segments ? { segments: result.segments } : {}),
    });
  };
  // The files of this round's emails, read once for every email that carries them.
  const files = await loadAttachmentFiles(deps.db, [
    ...units.flatMap((u) => u.replay?.members ?? u.rows).filter((r) => r.channel === "email"),
  ]);
  const sendOne = async (row: MessageRow) => {
    const transport = row.channel === "email" ? email.name : sms.name;
    let result: { providerMessageId: string; transport: string; segments?: number };
    try {
      result = row.channel === "email" ? await email.send(toEmail(row, files)) : await sms.send(toSms(row));
    } catch (error) {
      tallyOutcome(tallies, transport, countsAsFailure(error) ? "failed" : "answered");
      await recordFailure(deps, row, error, summary);
      return;
    }
    tallyOutcome(tallies, transport, "answered");
    recorded(row, result);
  };

  const groups: { key: string; rows: MessageRow[]; claimed: Set<string> }[] = units
    .filter((u) => u.replay)
    .map((u) => ({ key: u.replay!.key, rows: u.replay!.members, claimed: new Set(u.rows.map((r) => r.id)) }));
  const others = units.filter((u) => !u.replay).map((u) => u.rows[0]!);
  const grouped = new Set<string>();
  // First calls: emails never handed to a provider, grouped by id, their keys written before the call.
  // Emails with files go one by one (batch calls carry no attachments).
  const fresh = email.sendBatch
    ? others
        .filter(
          (r) => r.channel === "email" && r.attempts === 1 && !r.providerBatchKey && attachmentIdsOf(r).length === 0,
        )
        .sort(byId)
    : [];
  if (fresh.length > 1) {
    const firstCalls: { key: string; rows: MessageRow[] }[] = [];
    for (let i = 0; i < fresh.length; i += MAX_EMAIL_BATCH) {
      const rows = fresh.slice(i, i + MAX_EMAIL_BATCH);
      firstCalls.push({ key: batchKey(rows), rows });
    }
    if (await persistBatchKeys(deps.db, firstCalls)) {
      for (const call of firstCalls) {
        groups.push({ ...call, claimed: new Set(call.rows.map((r) => r.id)) });
        for (const row of call.rows) grouped.add(row.id);
      }
    }
  }
  const claimedRows = new Map(units.flatMap((u) => u.rows).map((r) => [r.id, r]));
  const singles = others.filter((r) => !grouped.has(r.id));

  await Promise.all([
    eachWithLimit(singles, SEND_CONCURRENCY, sendOne),
    eachWithLimit(groups, 2, async (group) => {
      const mine = group.rows
        .map((row, i) => ({ row: group.claimed.has(row.id) ? claimedRows.get(row.id) : undefined, i }))
        .filter((m) => m.row);
      let results: { providerMessageId: string; transport: string }[];
      try {
        results = await email.sendBatch!(
          group.rows.map((row) => toEmail(row, files)),
          { idempotencyKey: group.key },
        );
      } catch (error) {
        tallyOutcome(tallies, email.name, countsAsFailure(error) ? "failed" : "answered");
        const at = deps.now();
        const jitter = Math.random();
        await eachWithLimit(mine, SEND_CONCURRENCY, ({ row }) => recordFailure(deps, row!, error, summary, at, jitter));
        return;
      }
      tallyOutcome(tallies, email.name, "answered");
      for (const { row, i } of mine) recorded(row!, results[i]!);
    }),
  ]);
  for (let start = 0; start < accepted.length; start += RECORD_CHUNK) {
    const chunk = accepted.slice(start, start + RECORD_CHUNK);
    try {
      await recordAccepted(deps, chunk, reportsEvents);
      summary.sent += chunk.length;
    } catch (error) {
      logger.error(
        { err: error, count: chunk.length },
        "accepted messages could not be recorded as sent; the sweep will hand them over again",
      );
    }
  }

  // A healthy provider whose circuit counts nothing costs no write.
  for (const [provider, tally] of tallies) {
    const probe = probes.has(provider);
    if (!probe && tally.failures === 0 && (circuits.get(provider)?.failures ?? 0) === 0) continue;
    try {
      await recordCircuitOutcome(deps.db, provider, { ...tally, probe }, deps.now());
    } catch (error) {
      logger.error({ err: error, provider }, "could not record the provider's circuit state");
    }
  }
}
