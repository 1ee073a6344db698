import { z } from "zod";
import { CHANNELS, TOPIC_KINDS, topics } from "@/db/schema";
import { AppError } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { toTopic } from "./rows";
import { ZTopicKey, type TTopic } from "./schemas";

export const ZCreateTopicInput = z.object({
  key: ZTopicKey.describe(
    "Unique key, 1–64 letters, digits, - and _; used as `topic` in the API and cannot be changed later",
  ),
  name: z
    .string()
    .trim()
    .min(1, "Name is required")
    .max(100)
    .describe("Display name shown to contacts, 1–100 characters"),
  description: z
    .string()
    .trim()
    .max(500)
    .optional()
    .describe("Short explanation shown to contacts, up to 500 characters"),
  channels: z
    .array(z.enum(CHANNELS))
    .min(1, "Choose at least one channel")
    .describe("Channels the topic is offered on (email, sms), at least one"),
  kind: z
    .enum(TOPIC_KINDS)
    .describe(
      "marketing (needs opt-in consent) or transactional (messages the contact needs, e.g. receipts); cannot be changed later",
    ),
  requiresDoubleOptIn: z
    .boolean()
    .optional()
    .describe(
      "When true, opt-ins from forms and the preference center stay pending until the person confirms; default false",
    ),
});
export type TCreateTopicInput = z.input<typeof ZCreateTopicInput>;

/** Creates a topic; a duplicate key → CONFLICT. Audited. */
export async function createTopic({ ctx, input }: { ctx: ServiceContext; input: TCreateTopicInput }): Promise<TTopic> {
  const values = ZCreateTopicInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const [row] = await tx
      .insert(topics)
      .values({
        workspaceId: ctx.workspaceId,
        ...values,
        channels: [...new Set(values.channels)],
        requiresDoubleOptIn: values.requiresDoubleOptIn ?? false,
        createdAt: ctx.now(),
        updatedAt: ctx.now(),
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new AppError("CONFLICT", `A topic with the key "${values.key}" already exists`);
    await writeAudit(tx, ctx, {
      action: "topic.created",
      targetType: "topic",
      targetId: row.id,
      after: { key: row.key, kind: row.kind, channels: row.channels },
    });
    return toTopic(row);
  });
}
