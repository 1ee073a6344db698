import { and, eq, inArray } from "drizzle-orm";
import { messages, type MessagePurpose, type MessageRow } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { AppError } from "@/server/lib/errors";
import type { RecordedSend, SendOutcome, SendRequest } from "./pipeline-types";

/**
 * What a recorded message answers, first time and every time after: the answer is derived from the
 * stored row, so a repeated idempotency key gets exactly the first answer. Used by the record step
 * (`record-sends.ts`, `record-steps.ts`) and by the verbs that send through it.
 */

export interface MessageOptions {
  [key: string]: unknown;
  /** A message the product sends of its own (see MESSAGE_PURPOSES). */
  purpose?: MessagePurpose;
  /** System messages: the role the recipient member holds or is invited to (who may read the content, see message-access.ts). */
  recipientRole?: string;
  fallback?: boolean;
  deferOnQuietHours?: boolean;
  /** A campaign's test send. */
  test?: boolean;
  /** A campaign run's copy to a seed address of the workspace (campaign id, no run id). */
  seed?: boolean;
  /** Stored as deferred (quiet hours): the first answer was `queued` with `deliverAt`. */
  deferred?: boolean;
  /** Email: the campaign files (`campaign_attachments` ids) delivery attaches to the provider request. */
  attachments?: string[];
  /** Encrypted `{ source, variables }` of the request, for retry, resend and fallback. */
  request?: string;
}

/**
 * The first answer to a send, derived from what was stored, so a repeated idempotency key answers
 * exactly the same thing whatever happened to the message since.
 */
export function firstAnswer(
  row: Pick<MessageRow, "status" | "reason" | "decision" | "options">,
): RecordedSend["answer"] {
  const decision = row.decision;
  const options = row.options as MessageOptions;
  if (!decision)
    return row.status === "blocked" ? { status: "blocked", reason: row.reason ?? undefined } : { status: "queued" };
  if (decision.outcome === "send") return { status: "queued" };
  if (options.deferred) return { status: "queued", ...(decision.retryAt ? { deliverAt: decision.retryAt } : {}) };
  return { status: "blocked", ...(decision.reason ? { reason: decision.reason } : {}) };
}

export function recordedFrom(row: MessageRow, isNew: boolean): RecordedSend {
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

export const idempotencyConflict = () =>
  new AppError("CONFLICT", "This idempotency key was already used with a different request", {
    field: "idempotencyKey",
  });

/** The earlier answer for a repeated key, or CONFLICT when the request differs. */
export function repeatOutcome(row: MessageRow, request: SendRequest): SendOutcome {
  if (request.requestHash !== null && row.requestHash !== request.requestHash)
    return { ok: false, error: idempotencyConflict() };
  return { ok: true, send: recordedFrom(row, false) };
}

/** The workspace's messages recorded under these idempotency keys, one query. */
export async function messagesByKeys(
  db: Queryable,
  workspaceId: string,
  keys: string[],
): Promise<Map<string, MessageRow>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select()
    .from(messages)
    .where(and(eq(messages.workspaceId, workspaceId), inArray(messages.idempotencyKey, keys)));
  return new Map(rows.map((r) => [r.idempotencyKey!, r]));
}
