import { and, eq } from "drizzle-orm";
import { messages } from "@/db/schema";
import type { SendingContext } from "../context";
import type { FallbackAnswer } from "./fallback";
import { sendFallback } from "./send-fallback";

/** `sendFallback` by message id (the send paths hold a RecordedSend, not the row). */
export async function sendFallbackFor({
  ctx,
  input,
}: {
  ctx: SendingContext;
  input: { messageId: string };
}): Promise<FallbackAnswer | null> {
  const [parent] = await ctx.db
    .select()
    .from(messages)
    .where(and(eq(messages.id, input.messageId), eq(messages.workspaceId, ctx.workspaceId)));
  return parent ? sendFallback({ ctx, input: { parent } }) : null;
}
