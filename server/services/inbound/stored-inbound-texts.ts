import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { z } from "zod";
import { messageEvents, messages, webhookEvents } from "@/db/schema";
import { lockKeysInOrder } from "@/server/lib/advisory-locks";
import { decryptPii, encryptPii } from "@/server/lib/crypto";
import { AppError } from "@/server/lib/errors";
import { logger } from "@/server/lib/logger";
import { inTransaction, type PublicContext } from "../context";
import { attributeReplies } from "../tracking/attribute-reply";
import { MESSAGE_PII_PURPOSE } from "../messages/message-view";
import { classifyInbound, type InboundClassification } from "./classify-inbound";
import {
  claimInbound,
  handleInboundSms,
  inboundMessageValues,
  knownSenders,
  receivedEventValues,
  senderKey,
  sendersIn,
  ZInboundSmsInput,
  type SenderInWorkspace,
  type TInboundSmsInput,
} from "./handle-inbound-sms";
import { findInboundWorkspaces, type InboundWorkspace } from "./inbound-workspace";

/** Stored texts applied per drain round (together, in one transaction: `applyReplyBatch`). */
export const STORED_INBOUND_BATCH = 100;

/**
 * Whether an inbound text can be acknowledged before it is applied: only a plain reply, which
 * changes no consent and gets no answer. Keywords (STOP, START, HELP and their phrasings) are
 * handled before the answer: their reply goes back in it, and a STOP must hold for the next send.
 */
export function canDeferInbound(body: string): boolean {
  return classifyInbound(body).kind === "other";
}

/**
 * Acknowledge-then-apply for a plain inbound reply: validates it like `handleInboundSms`, checks
 * that a workspace receives texts (UNAVAILABLE otherwise, as the synchronous path answers), and
 * stores it under its MessageSid claim (`inbound:<sid>` in `webhook_events`, provider `twilio`)
 * with `applied_at` null, its sender and body encrypted. One read and one INSERT. `duplicate`
 * when the MessageSid was stored or handled before (a Twilio retry). The webhook drain applies it
 * (`applyStoredInboundTexts`).
 */
export async function storeInboundText({
  ctx,
  input: rawInput,
}: {
  ctx: PublicContext;
  input: TInboundSmsInput;
}): Promise<"accepted" | "duplicate"> {
  const input = ZInboundSmsInput.parse(rawInput);
  const candidates = await findInboundWorkspaces(ctx.db, input.to);
  if (candidates.length === 0) throw new AppError("UNAVAILABLE", "No workspace receives inbound SMS yet");
  const stored = await claimInbound(
    ctx.db,
    input,
    {
      classification: "other",
      // Dropped when the text is applied (it is then in the message row, encrypted the same way).
      from: encryptPii(input.from, MESSAGE_PII_PURPOSE.address),
      body: input.body ? encryptPii(input.body, MESSAGE_PII_PURPOSE.text) : null,
    },
    ctx.now(),
    null,
  );
  return stored ? "accepted" : "duplicate";
}

/** A stored reply, read back and decrypted. */
interface StoredText {
  eventId: string;
  receivedAt: Date;
  input: z.output<typeof ZInboundSmsInput>;
}

type WaitingRow = {
  id: string;
  providerMessageId: string | null;
  payload: Record<string, unknown>;
  receivedAt: Date;
};

/**
 * Applies stored inbound replies, oldest first, `limit` at a time: set-based, all of them in one
 * transaction of about ten statements (`applyReplyBatch`), the way delivery events are drained.
 * A text the batch cannot take (it no longer reads as a plain reply, no workspace receives it, it
 * cannot be read back) and every text of a batch that fails are applied one by one through
 * `handleInboundSms`, each in its own transaction, so one bad text holds up no other. Exactly
 * once either way: marking the stored row applied is the claim, inside the transaction that
 * records the text, so a second drain running the same text finds it applied and changes
 * nothing. A text that fails alone is logged (by id) and left for the next round. Returns how many
 * were applied.
 */
export async function applyStoredInboundTexts({
  ctx,
  input: { limit = STORED_INBOUND_BATCH } = {},
}: {
  ctx: PublicContext;
  input?: { limit?: number };
}): Promise<number> {
  const waiting: WaitingRow[] = await ctx.db
    .select({
      id: webhookEvents.id,
      providerMessageId: webhookEvents.providerMessageId,
      payload: webhookEvents.payload,
      receivedAt: webhookEvents.receivedAt,
    })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.appliedAt), eq(webhookEvents.type, "inbound")))
    .orderBy(asc(webhookEvents.receivedAt), asc(webhookEvents.id))
    .limit(limit);
  if (waiting.length === 0) return 0;

  const oneByOne: WaitingRow[] = [];
  const batch: (StoredText & { candidates: InboundWorkspace[] })[] = [];
  const candidatesByNumber = new Map<string, InboundWorkspace[]>();
  for (const event of waiting) {
    const text = readStoredText(event);
    if (!text || classifyInbound(text.input.body).kind !== "other") {
      oneByOne.push(event);
      continue;
    }
    let candidates = candidatesByNumber.get(text.input.to);
    if (!candidates)
      candidatesByNumber.set(text.input.to, (candidates = await findInboundWorkspaces(ctx.db, text.input.to)));
    if (candidates.length === 0) oneByOne.push(event);
    else batch.push({ ...text, candidates });
  }

  let applied = 0;
  if (batch.length > 0) {
    try {
      applied += await applyReplyBatch(ctx, batch);
    } catch (error) {
      logger.warn(
        { err: error, webhookEventIds: batch.map((t) => t.eventId) },
        "stored inbound batch failed; applying its texts one by one",
      );
      const inBatch = new Set(batch.map((t) => t.eventId));
      oneByOne.push(...waiting.filter((event) => inBatch.has(event.id)));
    }
  }
  for (const event of oneByOne) if (await applyOneStoredText(ctx, event)) applied++;
  return applied;
}

/** The text as it was received, its sender and body decrypted (throws when they cannot be). */
function storedInput(event: WaitingRow): TInboundSmsInput {
  const payload = event.payload;
  return {
    messageSid: event.providerMessageId ?? "",
    from: decryptPii(String(payload.from), MESSAGE_PII_PURPOSE.address),
    to: typeof payload.to === "string" ? payload.to : "",
    body: typeof payload.body === "string" ? decryptPii(payload.body, MESSAGE_PII_PURPOSE.text) : "",
  };
}

/** The stored text, decrypted and validated; null when it cannot be read back. */
function readStoredText(event: WaitingRow): StoredText | null {
  try {
    const input = ZInboundSmsInput.safeParse(storedInput(event));
    return input.success ? { eventId: event.id, receivedAt: event.receivedAt, input: input.data } : null;
  } catch {
    return null;
  }
}

/** One stored text through `handleInboundSms` in its own transaction; true when it was applied now. */
async function applyOneStoredText(ctx: PublicContext, event: WaitingRow): Promise<boolean> {
  try {
    const result = await handleInboundSms({
      ctx,
      input: storedInput(event),
      stored: { eventId: event.id, receivedAt: event.receivedAt },
    });
    return !result.isDuplicate;
  } catch (error) {
    logger.error({ err: error, webhookEventId: event.id }, "stored inbound text could not be applied; retried later");
    return false;
  }
}

/**
 * Plain replies applied together, in one transaction, with what `handleInboundSms` does for one
 * (routing, history, reply attribution) done set-based:
 * 1. the advisory locks on every sender's blind index, in order, in one statement (the locks a
 *    keyword from the same number and a contact upsert take, so they apply one after the other);
 * 2. the claim: the stored rows marked applied (sender and body dropped) where they still are
 *    not; a text another drain claimed first is left out;
 * 3. who knows each sender, for all texts at once (`knownSenders`);
 * 4. the inbound messages in one INSERT, each text routed as one alone is: to every candidate
 *    workspace that knows the sender, else to the first candidate;
 * 5. their `received` timeline rows in one INSERT;
 * 6. reply attribution to campaign texts (`attributeReplies`).
 * Returns how many texts were recorded.
 */
async function applyReplyBatch(
  ctx: PublicContext,
  texts: readonly (StoredText & { candidates: InboundWorkspace[] })[],
): Promise<number> {
  // Every text here read as a plain reply (checked again when it was read back).
  const classification: InboundClassification = { kind: "other" };
  const routable = texts.map((text) => ({ ...text, senders: sendersIn(text.input.from, text.candidates) }));

  return inTransaction(ctx.db, async (tx) => {
    await lockKeysInOrder(
      tx,
      routable.flatMap((t) => t.senders.flatMap((s) => (s.addressHash ? [s.addressHash] : []))),
    );
    const claimed = await tx
      .update(webhookEvents)
      .set({ appliedAt: ctx.now(), payload: sql`${webhookEvents.payload} - 'from' - 'body'` })
      .where(
        and(
          inArray(
            webhookEvents.id,
            routable.map((t) => t.eventId),
          ),
          isNull(webhookEvents.appliedAt),
        ),
      )
      .returning({ id: webhookEvents.id });
    const claimedIds = new Set(claimed.map((c) => c.id));
    const live = routable.filter((t) => claimedIds.has(t.eventId));
    if (live.length === 0) return 0;

    const known = await knownSenders(
      tx,
      live.flatMap((t) => t.senders),
    );
    const knownAs = (s: SenderInWorkspace) =>
      s.addressHash ? known.get(senderKey(s.workspace.id, s.addressHash)) : undefined;
    const rows = live.flatMap((text) => {
      const knowing = text.senders.filter((s) => knownAs(s));
      const routed = knowing.length > 0 ? knowing : text.senders.slice(0, 1);
      return routed.map((sender) => ({
        text,
        sender,
        values: inboundMessageValues({
          workspaceId: sender.workspace.id,
          contactId: knownAs(sender)?.contactId ?? null,
          addressHash: sender.addressHash,
          address: sender.address,
          text: text.input,
          classification,
          isShared: routed.length > 1,
          now: text.receivedAt,
        }),
      }));
    });
    const inserted = await tx
      .insert(messages)
      .values(rows.map((r) => r.values))
      // A text recorded before MessageSids were claimed in webhook_events: still one row.
      .onConflictDoNothing()
      .returning({ id: messages.id, workspaceId: messages.workspaceId, providerMessageId: messages.providerMessageId });
    const insertedIds = new Map(inserted.map((m) => [`${m.workspaceId}:${m.providerMessageId}`, m.id]));
    const recorded = rows.flatMap((row) => {
      const messageId = insertedIds.get(`${row.values.workspaceId}:${row.values.providerMessageId}`);
      return messageId ? [{ ...row, messageId, contactId: row.values.contactId ?? null }] : [];
    });
    if (recorded.length === 0) return 0;
    await tx.insert(messageEvents).values(
      recorded.map((r) =>
        receivedEventValues({
          workspaceId: r.values.workspaceId,
          messageId: r.messageId,
          contactId: r.contactId,
          classification,
          now: r.text.receivedAt,
        }),
      ),
    );
    await attributeReplies(
      tx,
      recorded.flatMap((r) =>
        r.contactId ? [{ workspaceId: r.values.workspaceId, contactId: r.contactId, at: r.text.receivedAt }] : [],
      ),
    );
    return new Set(recorded.map((r) => r.text.eventId)).size;
  });
}
