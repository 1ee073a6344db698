import type { SendingContext } from "../context";
import { loadOutbound } from "./queries";
import { rerunMessage } from "./rerun-message";
import { ZResendMessageInput, type TSendResult } from "./schemas";

/**
 * Sends a recorded outbound message again, whatever its status, as a new message (relation
 * `resend`). Each call is a new message unless `idempotencyKey` is given.
 */
export async function resendMessage({
  ctx,
  input,
}: {
  ctx: SendingContext;
  input: { id: string; idempotencyKey?: string };
}): Promise<TSendResult> {
  const parsed = ZResendMessageInput.parse(input);
  const parent = await loadOutbound(ctx.db, ctx.workspaceId, parsed.id);
  return rerunMessage({ ctx, input: { parent, relation: "resend", key: parsed.idempotencyKey ?? null } });
}
