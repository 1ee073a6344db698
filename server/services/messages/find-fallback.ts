import { and, eq } from "drizzle-orm";
import { messages } from "@/db/schema";
import type { ServiceContext } from "../context";
import { fallbackKey, toFallbackAnswer, type FallbackAnswer } from "./fallback";

/** The fallback already recorded for a message, if any (a repeated send answers it again). */
export async function findFallback({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { messageId: string };
}): Promise<FallbackAnswer | null> {
  const [row] = await ctx.db
    .select()
    .from(messages)
    .where(and(eq(messages.workspaceId, ctx.workspaceId), eq(messages.idempotencyKey, fallbackKey(input.messageId))));
  return row ? toFallbackAnswer(row) : null;
}
