import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { consentStates, messages, suppressions, type MessageRow } from "@/db/schema";
import { resultRows } from "@/db/map-rows";
import type { Queryable } from "@/db/client";
import type { Clock } from "@/server/lib/clock";
import { getEnv } from "@/server/lib/env";
import { logger } from "@/server/lib/logger";
import { pgTextArray } from "@/server/lib/pg-array";
import { getEmailTransport, type OutgoingEmail } from "@/server/providers/email";
import { MAX_EMAIL_BATCH } from "@/server/providers/email/types";
import { ProviderError } from "@/server/providers/errors";
import { getSmsTransport, type OutgoingSms } from "@/server/providers/sms";
import { TWILIO_UNSUBSCRIBED_CODE } from "@/server/providers/sms/twilio";
import { recordConsentChange } from "../consent/record-consent";
import { inTransaction, type ServiceContext } from "../context";
import { suppressAddress } from "../suppressions/suppressions";
import { applyPendingWebhookEventsFor } from "../webhooks/pending";
import { retryDelayMs, shouldRetry } from "./backoff";
import { decryptField } from "./message-secrets";
import { applyMessageStatus, claimMessagesForDelivery, markMessagesSent, requeueMessage, type AcceptedSend } from "./status";

export interface DeliveryDeps {
  db: Queryable;
  now: Clock;
}

export interface DeliverySummary {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  blocked: number;
}

/** The transport each channel uses now (`log` records instead of sending): the Outbox says which go out for real. */
export function currentTransports(): { email: string; sms: string } {
  return { email: getEmailTransport().name, sms: getSmsTransport().name };
}

/** Called with a message that failed for good or was blocked at delivery, when it asked for a fallback. */
export type FallbackHook = (deps: DeliveryDeps, message: MessageRow) => Promise<void>;

const globalForHook = globalThis as unknown as { __optinFallbackHook?: FallbackHook };

/** fallback.ts registers itself here (it sits above this module: it runs the pipeline again). */
export function setFallbackHook(hook: FallbackHook): void {
  globalForHook.__optinFallbackHook = hook;
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

function twilioStatusCallback(): string {
  return `${getEnv().PUBLIC_URL}/api/webhooks/twilio/status`;
}

function toEmail(row: MessageRow): OutgoingEmail {
  const html = decryptField(row.htmlCiphertext, "html");
  return {
    from: row.fromAddress ?? getEnv().EMAIL_FROM,
    to: decryptField(row.addressCiphertext, "address")!,
    subject: decryptField(row.subjectCiphertext, "subject") ?? "",
    text: decryptField(row.textCiphertext, "text") ?? "",
    ...(html ? { html } : {}),
    ...(row.headers && Object.keys(row.headers).length > 0 ? { headers: row.headers } : {}),
    idempotencyKey: row.id,
  };
}

function toSms(row: MessageRow): OutgoingSms {
  return {
    to: decryptField(row.addressCiphertext, "address")!,
    body: decryptField(row.textCiphertext, "text") ?? "",
    ...(row.fromAddress ? { from: row.fromAddress } : {}),
    statusCallback: twilioStatusCallback(),
    idempotencyKey: row.id,
  };
}

/**
 * A STOP or suppression that committed after the decision still stops a message that has not
 * reached the provider yet (deferred, retried, or simply still queued). One statement for every
 * claimed row, joined through the messages themselves (every column of the suppression and
 * consent keys is constrained, workspace first). A suppression wins over an opt-out.
 */
async function blockedSinceDecision(db: Queryable, messageIds: string[]): Promise<Map<string, "opted_out" | "suppressed">> {
  const blocked = new Map<string, "opted_out" | "suppressed">();
  if (messageIds.length === 0) return blocked;
  const ids = pgTextArray(messageIds);
  const found = resultRows<{ id: string; reason: "opted_out" | "suppressed" }>(
    await db.execute(sql`
      select m.id::text as id, 'suppressed' as reason
        from ${messages} m join ${suppressions} s on s.workspace_id = m.workspace_id and s.channel = m.channel and s.address_hash = m.address_hash
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
 * sent through Twilio or Resend are recorded in a transaction that then applies the webhook events
 * that arrived before we knew their provider ids (`applyPendingWebhookEventsFor`).
 */
async function recordAccepted(deps: DeliveryDeps, accepted: AcceptedSend[]): Promise<void> {
  const at = deps.now();
  const viaWebhooks = accepted.filter((a) => a.transport === "twilio" || a.transport === "resend");
  const local = accepted.filter((a) => a.transport !== "twilio" && a.transport !== "resend");
  await Promise.all([
    markMessagesSent(deps.db, local, at),
    viaWebhooks.length === 0
      ? undefined
      : inTransaction(deps.db, async (tx) => {
          await markMessagesSent(tx, viaWebhooks, at);
          await applyPendingWebhookEventsFor(
            tx,
            viaWebhooks.map((a) => ({ provider: a.transport as "twilio" | "resend", providerMessageId: a.providerMessageId })),
            { now: deps.now },
          );
        }),
  ]);
}

/**
 * Twilio 21610: the number replied STOP to our sender at the carrier. Suppress it on SMS
 * (`provider_opt_out`) and record an opt-out of every marketing SMS topic in the ledger (source
 * `provider`), in the transaction that fails the message. Twilio answers 21610 on the create
 * call, so there is no provider message id: the evidence names our message instead.
 */
async function applyCarrierOptOut(tx: Queryable, deps: DeliveryDeps, row: MessageRow): Promise<void> {
  const ctx: ServiceContext = { db: tx, workspaceId: row.workspaceId, actor: { type: "provider", provider: "twilio" }, now: deps.now };
  if (row.addressHash) {
    await suppressAddress(tx, ctx, {
      channel: "sms",
      addressHash: row.addressHash,
      reason: "provider_opt_out",
      source: "twilio",
      note: `Twilio ${TWILIO_UNSUBSCRIBED_CODE} when sending message ${row.id}`,
      contactId: row.contactId ?? undefined,
    });
  }
  if (row.contactId) {
    await recordConsentChange(ctx, {
      contactId: row.contactId,
      channel: "sms",
      marketingOnly: true,
      action: "opted_out",
      source: "provider",
      evidence: { ...(row.providerMessageId ? { providerMessageId: row.providerMessageId } : {}), note: `carrier opt-out (Twilio ${TWILIO_UNSUBSCRIBED_CODE}) on message ${row.id}` },
    });
  }
}

async function recordFailure(deps: DeliveryDeps, row: MessageRow, error: unknown, summary: DeliverySummary, at?: Date): Promise<void> {
  const providerError =
    error instanceof ProviderError ? error : new ProviderError(error instanceof Error ? `${error.name}: delivery failed` : "delivery failed", true, "internal_error");
  if (!(error instanceof ProviderError)) logger.error({ err: error, messageId: row.id }, "message delivery threw an unexpected error");
  // Members of one batch call share `at`, so they come due again together and are replayed as one call.
  const now = at ?? deps.now();
  const detail = {
    attempt: row.attempts,
    ...(providerError.providerCode ? { code: providerError.providerCode } : {}),
    ...(providerError.status ? { httpStatus: providerError.status } : {}),
  };

  if (shouldRetry(row.attempts, providerError.retryable)) {
    const nextAttemptAt = new Date(now.getTime() + retryDelayMs(row.attempts, providerError.retryAfterMs));
    await requeueMessage(deps.db, { workspaceId: row.workspaceId, messageId: row.id, nextAttemptAt, occurredAt: now, lastError: providerError.message, detail });
    summary.retrying++;
    return;
  }

  const isCarrierOptOut = row.channel === "sms" && providerError.providerCode === TWILIO_UNSUBSCRIBED_CODE;
  let changed = false;
  await inTransaction(deps.db, async (tx) => {
    ({ changed } = await applyMessageStatus(tx, {
      workspaceId: row.workspaceId,
      messageId: row.id,
      status: "failed",
      occurredAt: now,
      source: "provider",
      detail: { ...detail, ...(providerError.retryable ? { exhausted: true } : {}) },
      set: { reason: providerError.providerCode ?? "provider_error", lastError: providerError.message, nextAttemptAt: null },
    }));
    if (isCarrierOptOut) await applyCarrierOptOut(tx, deps, row);
  });
  summary.failed++;
  if (changed) await runFallback(deps, row);
}

async function runFallback(deps: DeliveryDeps, row: MessageRow): Promise<void> {
  const options = row.options as { fallback?: boolean };
  if (!options.fallback || row.relation === "fallback") return;
  const hook = globalForHook.__optinFallbackHook;
  if (!hook) return;
  try {
    await hook(deps, row);
  } catch (error) {
    logger.error({ err: error, messageId: row.id }, "fallback after a failed delivery could not be recorded");
  }
}

/** The idempotency key of one batch call: derived from its members' ids (sorted, as the call's order). */
function batchKey(rows: MessageRow[]): string {
  return `batch-${createHash("sha256").update(rows.map((r) => r.id).sort().join(",")).digest("hex").slice(0, 48)}`;
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
 * - final error → `failed` with the provider's code as reason; Twilio 21610 also suppresses the
 *   number and opts it out of every marketing SMS topic.
 * Emails on their first attempt go through Resend's batch endpoint, 100 per call: the call's key
 * is written on its members (`provider_batch_key`) before the call, and any later attempt of a
 * member replays that exact call (all its members, in the same order, with the same key), so a
 * provider that honours idempotency keys delivers each email once whatever happened to the first
 * call. A member of a batch is never sent on its own, and an opt-out recorded after its batch call
 * was made no longer stops it (the call may already have reached the provider). Every other
 * message goes one by one keyed by its id, on every attempt.
 * Safe to call twice with the same ids (the claim lets one caller through). Never throws for a
 * single message's failure.
 */
export async function deliverMessages(deps: DeliveryDeps, messageIds: string[], options: { stuckBefore?: Date } = {}): Promise<DeliverySummary> {
  const summary: DeliverySummary = { claimed: 0, sent: 0, retrying: 0, failed: 0, blocked: 0 };
  const unique = [...new Set(messageIds)];
  if (unique.length === 0) return summary;
  const claimed = await claimMessagesForDelivery(deps.db, { messageIds: unique, now: deps.now(), stuckBefore: options.stuckBefore });
  summary.claimed = claimed.length;
  if (claimed.length === 0) return summary;

  // A member of a batch call may already be with the provider: only a replay of that call is safe.
  const blocked = await blockedSinceDecision(deps.db, claimed.filter((row) => !row.providerBatchKey).map((row) => row.id));
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
    await runFallback(deps, row);
  }

  const email = getEmailTransport();
  const sms = getSmsTransport();
  // Accepted sends are recorded together once every hand-over of this call has answered. A
  // failure to record them leaves the rows `sending`: the sweep re-dispatches them after
  // DELIVERY_STUCK_SECONDS with the same idempotency keys (batch members: the same batch call), and the providers answer the first sends.
  const accepted: AcceptedSend[] = [];
  const recorded = async (row: MessageRow, result: { providerMessageId: string; transport: string; segments?: number }) => {
    accepted.push({
      workspaceId: row.workspaceId,
      messageId: row.id,
      providerMessageId: result.providerMessageId,
      transport: result.transport,
      attempt: row.attempts,
      ...(result.segments ? { segments: result.segments } : {}),
    });
  };
  const sendOne = async (row: MessageRow) => {
    let result: { providerMessageId: string; transport: string; segments?: number };
    try {
      result = row.channel === "email" ? await email.send(toEmail(row)) : await sms.send(toSms(row));
    } catch (error) {
      await recordFailure(deps, row, error, summary);
      return;
    }
    await recorded(row, result);
  };

  const canBatch = Boolean(email.sendBatch);
  // Replays: members of a batch call made before (the outcome of which is unknown or was a retryable error).
  const replayKeys = canBatch ? [...new Set(ready.filter((r) => r.channel === "email" && r.providerBatchKey).map((r) => r.providerBatchKey!))] : [];
  const members = await batchMembers(deps.db, replayKeys);
  const groups: { key: string; rows: MessageRow[]; claimed: Set<string> }[] = replayKeys.map((key) => ({
    key,
    rows: members.get(key) ?? [],
    claimed: new Set(ready.filter((r) => r.providerBatchKey === key).map((r) => r.id)),
  }));
  const replayed = new Set(groups.flatMap((g) => [...g.claimed]));

  // First calls: emails never handed to a provider, grouped by id, their keys written before the call.
  const fresh = canBatch ? ready.filter((r) => r.channel === "email" && r.attempts === 1 && !r.providerBatchKey).sort(byId) : [];
  if (fresh.length > 1) {
    const firstCalls: { key: string; rows: MessageRow[] }[] = [];
    for (let i = 0; i < fresh.length; i += MAX_EMAIL_BATCH) {
      const rows = fresh.slice(i, i + MAX_EMAIL_BATCH);
      firstCalls.push({ key: batchKey(rows), rows });
    }
    if (await persistBatchKeys(deps.db, firstCalls)) {
      for (const call of firstCalls) {
        groups.push({ ...call, claimed: new Set(call.rows.map((r) => r.id)) });
        for (const row of call.rows) replayed.add(row.id);
      }
    }
  }
  const singles = ready.filter((r) => !replayed.has(r.id));

  await Promise.all([
    eachWithLimit(singles, SEND_CONCURRENCY, sendOne),
    eachWithLimit(groups, 2, async (group) => {
      const mine = group.rows.map((row, i) => ({ row: ready.find((r) => r.id === row.id && group.claimed.has(r.id)), i })).filter((m) => m.row);
      let results: { providerMessageId: string; transport: string }[];
      try {
        results = await email.sendBatch!(group.rows.map(toEmail), { idempotencyKey: group.key });
      } catch (error) {
        const at = deps.now();
        await eachWithLimit(mine, SEND_CONCURRENCY, ({ row }) => recordFailure(deps, row!, error, summary, at));
        return;
      }
      await eachWithLimit(mine, SEND_CONCURRENCY, ({ row, i }) => recorded(row!, results[i]!));
    }),
  ]);
  for (let start = 0; start < accepted.length; start += RECORD_CHUNK) {
    const chunk = accepted.slice(start, start + RECORD_CHUNK);
    try {
      await recordAccepted(deps, chunk);
      summary.sent += chunk.length;
    } catch (error) {
      logger.error({ err: error, count: chunk.length }, "accepted messages could not be recorded as sent; the sweep will hand them over again");
    }
  }
  return summary;
}
