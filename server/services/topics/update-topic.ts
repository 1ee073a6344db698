import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { CHANNELS, topics } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { invalidateSendContext } from "../messages/send-context-cache";
import { toTopic } from "./rows";
import type { TTopic } from "./schemas";

export const ZUpdateTopicInput = z.object({
  id: z.uuid(),
  name: z.string().trim().min(1).max(100).optional(),
  description: z.string().trim().max(500).nullable().optional(),
  channels: z.array(z.enum(CHANNELS)).min(1).optional(),
  requiresDoubleOptIn: z.boolean().optional(),
  archived: z.boolean().optional(),
});

/** Edits name, description, channels, double opt-in or archives a topic. Keys and kinds never change (consent rests on them). Audited. */
export async function updateTopic({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZUpdateTopicInput>;
}): Promise<TTopic> {
  const { id, archived, ...values } = ZUpdateTopicInput.parse(input);
  const updated = await inTransaction(ctx.db, async (tx) => {
    const [before] = await tx
      .select()
      .from(topics)
      .where(and(eq(topics.id, id), eq(topics.workspaceId, ctx.workspaceId)))
      .for("update");
    if (!before) throw notFound("Topic");
    const [row] = await tx
      .update(topics)
      .set({
        ...values,
        ...(values.channels ? { channels: [...new Set(values.channels)] } : {}),
        ...(archived === undefined ? {} : { archivedAt: archived ? (before.archivedAt ?? ctx.now()) : null }),
        updatedAt: ctx.now(),
      })
      .where(eq(topics.id, id))
      .returning();
    await writeAudit(tx, ctx, {
      action: "topic.updated",
      targetType: "topic",
      targetId: id,
      before: {
        name: before.name,
        channels: before.channels,
        requiresDoubleOptIn: before.requiresDoubleOptIn,
        archived: before.archivedAt !== null,
      },
      after: {
        name: row!.name,
        channels: row!.channels,
        requiresDoubleOptIn: row!.requiresDoubleOptIn,
        archived: row!.archivedAt !== null,
      },
    });
    return toTopic(row!);
  });
  invalidateSendContext(ctx.workspaceId);
  return updated;
}
