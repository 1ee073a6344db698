import { and, eq, sql } from "drizzle-orm";
import { contacts } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { emailLookupKey, normalizeEmail, normalizePhone } from "@/server/lib/addresses";
import { blindIndex } from "@/server/lib/crypto";
import { invalid } from "@/server/lib/errors";
import { inTransaction, type ServiceContext } from "../context";
import { insertMessageLinks, insertMessages } from "./insert-messages";
import { getSendContext } from "./send-context";
import type { SendOutcome, SendRequest } from "./pipeline-types";
import { idempotencyConflict, messagesByKeys, repeatOutcome } from "./record-answers";
import {
  answerRecorded,
  answerRepeatedKeys,
  buildRows,
  lockAndRead,
  timelineEvent,
  type PendingSends,
  type ResolvedRecipient,
  type Workspace,
} from "./record-steps";

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
      else
        byAddress.push({
          index,
          kind: "email",
          address: email.value,
          hash: blindIndex(workspaceId, "email", emailLookupKey(email.value)),
        });
    } else {
      const phone = normalizePhone(recipient.phone, region);
      if (!phone.ok) outcomes[index] = { ok: false, error: invalid(`phone ${phone.reason}`, "phone") };
      else
        byAddress.push({
          index,
          kind: "phone",
          address: phone.value,
          hash: blindIndex(workspaceId, "phone", phone.value),
        });
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
      : {
          contactId: null,
          unknownAddress: {
            channel: entry.kind === "email" ? "email" : "sms",
            address: entry.address,
            hash: entry.hash,
          },
        };
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
export async function recordSends({
  ctx,
  input: { requests, batchId = null },
}: {
  ctx: ServiceContext;
  input: { requests: SendRequest[]; batchId?: string | null };
}): Promise<SendOutcome[]> {
  const outcomes: (SendOutcome | undefined)[] = new Array(requests.length);
  let context = await getSendContext(ctx.db, ctx.workspaceId);
  // A key missing from the cached topics may be a topic created a moment ago: read again before refusing.
  if (requests.some((request) => !context.topicsByKey.has(request.topicKey)))
    context = await getSendContext(ctx.db, ctx.workspaceId, { fresh: true });
  const workspace: Workspace = {
    name: context.name,
    settings: context.settings,
    region: context.region,
    smsNumber: context.smsNumber,
    profile: context.profile,
    tracking: context.tracking,
  };
  const topicByKey = context.topicsByKey;
  requests.forEach((request, index) => {
    const topic = topicByKey.get(request.topicKey);
    if (!topic) outcomes[index] = { ok: false, error: invalid(`Unknown topic "${request.topicKey}"`, "topic") };
    else if (topic.archivedAt)
      outcomes[index] = { ok: false, error: invalid(`Topic "${topic.key}" is archived`, "topic") };
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
  for (const index of duplicateOf.keys())
    outcomes[index] ??= { ok: false, error: invalid("Pending", "idempotencyKey") };

  const recipients = await resolveRecipients(ctx.db, ctx.workspaceId, workspace.region, requests, outcomes);
  const pending = requests.map((_, i) => i).filter((i) => !outcomes[i]);

  if (pending.length > 0) {
    await inTransaction(ctx.db, (tx) =>
      recordPending({ tx, ctx, workspace, requests, pending, recipients, topicByKey, outcomes, batchId }),
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
  const { rows, rowIndex, links } = await buildRows(sends, state);
  const insertedIds = await insertMessages(
    sends.tx,
    rows.map((row) => ({ row, event: timelineEvent({ row, batchId: sends.batchId }) })),
    state.decidedAt,
  );
  await insertMessageLinks(sends.tx, links);
  await answerRecorded({ ...sends, rows, rowIndex, insertedIds });
}
