import { AppError } from "@/server/lib/errors";
import { isStatusIn, RETRYABLE_STATUSES } from "@/server/shared/enums";
import type { SendingContext } from "../context";
import { loadOutbound } from "./queries";
import { rerunMessage } from "./rerun-message";
import { ZRetryMessageInput, type TSendResult } from "./schemas";

/**
 * Retries a message the provider failed (`failed` or `undelivered`) as a new message (relation
 * `retry`). Idempotent: one retry per failed message (key `~retry:<id>`); asking again answers
 * that retry. Another status → CONFLICT.
 */
export async function retryMessage({
  ctx,
  input,
}: {
  ctx: SendingContext;
  input: { id: string };
}): Promise<TSendResult> {
  const { id } = ZRetryMessageInput.parse(input);
  const parent = await loadOutbound(ctx.db, ctx.workspaceId, id);
  if (!isStatusIn(RETRYABLE_STATUSES, parent.status))
    throw new AppError("CONFLICT", `Only failed messages can be retried; this one is ${parent.status}`);
  return rerunMessage({ ctx, input: { parent, relation: "retry", key: `~retry:${parent.id}` } });
}
