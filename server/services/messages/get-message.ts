import { z } from "zod";
import type { ServiceContext } from "../context";
import { loadEvents, toMessage, type TMessage } from "./message-view";
import { applyWaitingEventsOf } from "../webhooks/apply-waiting-events-of";
import { getMessageRow } from "./queries";

export const ZGetMessageInput = z.object({ id: z.uuid().describe("Message id") });

/**
 * `GET /messages/{id}`: one message with its timeline. Another workspace's id is NOT_FOUND.
 * Carries no address or content. Read-only, not audited.
 */
export async function getMessage({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZGetMessageInput>;
}): Promise<TMessage> {
  const { id } = ZGetMessageInput.parse(input);
  // Delivery events still waiting for the background drain are applied first (read-your-webhooks).
  let row = await getMessageRow(ctx.db, ctx.workspaceId, id);
  if (await applyWaitingEventsOf({ ctx, input: { message: row } }))
    row = await getMessageRow(ctx.db, ctx.workspaceId, id);
  const events = await loadEvents(ctx.db, ctx.workspaceId, [id]);
  return toMessage(row, events.get(id) ?? []);
}
