import { createHash, randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { messages, sendBatches } from "@/db/schema";
import { AppError, invalid } from "@/server/lib/errors";
import { actorId, type SendingContext } from "../context";
import { answerFor } from "./answer-for";
import { dispatchMessages } from "./dispatch-messages";
import { requestHash } from "./message-secrets";
import type { SendRequest } from "./pipeline-types";
import { idempotencyConflict } from "./record-answers";
import { recordSends } from "./record-sends";
import {
  ZSendBatchInput,
  ZSendWithConsentInput,
  type TBatchOutcome,
  type TSendBatchInput,
  type TSendBatchResult,
  type TSendWithConsentParsed,
} from "./schemas";
import { toSendRequest } from "./send-request";

/** Sends per transaction: long enough to be set-based, short enough not to hold hundreds of contact locks for long. */
const CHUNK = 250;

/** A UUID derived from the workspace and the batch's idempotency key: a repeated batch has the same id. */
function batchIdFor(workspaceId: string, key: string): string {
  const hex = createHash("sha256").update(`send-batch\u0000${workspaceId}\u0000${key}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Each recipient merged over the batch's shared fields and validated like a single send (400 naming `recipients.<i>.<field>`). */
function mergeItems(parsed: ReturnType<typeof ZSendBatchInput.parse>): TSendWithConsentParsed[] {
  const { recipients, idempotencyKey: _key, variables: sharedVariables, ...shared } = parsed;
  return recipients.map((item, index) => {
    const hasOwnSource = item.templateId !== undefined || item.templateKey !== undefined || item.content !== undefined;
    const merged = {
      ...Object.fromEntries(
        Object.entries(shared).filter(
          ([key, value]) =>
            value !== undefined && !(hasOwnSource && ["templateId", "templateKey", "content"].includes(key)),
        ),
      ),
      ...Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined)),
      variables: { ...sharedVariables, ...item.variables },
    };
    const result = ZSendWithConsentInput.safeParse(merged);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const field = ["recipients", index, ...issue.path.map(String)].join(".");
      throw invalid(`recipients.${index}: ${issue.message}`, field);
    }
    return result.data;
  });
}

/**
 * `POST /messages/send_batch`: up to 1,000 recipients in one call, each exactly like a single
 * `send_with_consent` (shared channel/topic/template/content/variables with per-recipient
 * overrides), through the same pipeline in transactions of 250 (set-based reads, multi-row
 * inserts); each chunk is dispatched as soon as it commits.
 *
 * Answers `{ batchId, total, outcomes }` with one outcome per recipient, in order: the message
 * and its status/reason, or `status: "error"` with the problem (unknown contact, malformed
 * address, a template that does not render, an item key reused with another request); nothing
 * is recorded for an errored recipient. Input that is invalid as a whole → 400.
 *
 * Idempotent with `idempotencyKey` (body or `Idempotency-Key`): recipient i gets the key
 * `<key>:<i>` (unless it has its own), the batch id is derived from the key, so a repeat answers
 * the same batch and messages and sends nothing; the same key with another body → 409.
 */
export async function sendBatch({
  ctx,
  input,
}: {
  ctx: SendingContext;
  input: TSendBatchInput;
}): Promise<TSendBatchResult> {
  const parsed = ZSendBatchInput.parse(input);
  const items = mergeItems(parsed);
  const batchKey = parsed.idempotencyKey ?? null;
  const batchHash = batchKey ? requestHash(parsed as unknown as Record<string, unknown>) : null;
  const batchId = batchKey ? batchIdFor(ctx.workspaceId, batchKey) : randomUUID();

  const requests: SendRequest[] = items.map((item, index) =>
    toSendRequest(
      item,
      !item.idempotencyKey && batchKey
        ? {
            idempotencyKey: `${batchKey}:${index}`,
            requestHash: createHash("sha256").update(`${batchHash}:${index}`).digest("hex"),
            keyFromBatch: true,
          }
        : {},
    ),
  );

  if (batchKey) {
    const [first] = await ctx.db
      .select({ requestHash: messages.requestHash })
      .from(messages)
      .where(and(eq(messages.workspaceId, ctx.workspaceId), eq(messages.idempotencyKey, `${batchKey}:0`)));
    if (first && first.requestHash !== requests[0]!.requestHash) throw idempotencyConflict();
  }

  await ctx.db
    .insert(sendBatches)
    .values({
      id: batchId,
      workspaceId: ctx.workspaceId,
      total: items.length,
      idempotencyKey: batchKey,
      actorType: ctx.actor.type,
      actorId: actorId(ctx.actor),
      createdAt: ctx.now(),
    })
    .onConflictDoNothing();

  const outcomes: TBatchOutcome[] = [];
  for (let start = 0; start < requests.length; start += CHUNK) {
    const chunk = requests.slice(start, start + CHUNK);
    const results = await recordSends({ ctx, input: { requests: chunk, batchId } });
    const queued = results.flatMap((r) =>
      r.ok && r.send.isNew && r.send.status === "queued"
        ? [{ id: r.send.messageId, workspaceId: r.send.workspaceId }]
        : [],
    );
    dispatchMessages({ ctx, input: { messages: queued } });
    for (let i = 0; i < results.length; i++) {
      const result = results[i]!;
      const index = start + i;
      if (!result.ok) {
        if (chunk[i]!.keyFromBatch && result.error.code === "CONFLICT") throw idempotencyConflict();
        const error =
          result.error instanceof AppError
            ? result.error
            : new AppError("INVALID", "This recipient could not be sent to");
        outcomes.push({
          index,
          status: "error",
          error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) },
        });
        continue;
      }
      const answer = await answerFor({ ctx, input: { send: result.send } });
      outcomes.push({ index, ...answer });
    }
  }
  return { batchId, total: items.length, outcomes };
}
