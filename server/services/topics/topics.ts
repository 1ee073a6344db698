import { and, asc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { CHANNELS, TOPIC_KINDS, topics, type TopicRow } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { AppError, notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { invalidateSendContext } from "../messages/send-context-cache";

export const ZTopicKey = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "Use letters, digits, - and _ only");

export const ZTopic = z.object({
  id: z.uuid().describe("Topic id"),
  key: z.string().describe("Unique key of the topic in the workspace, used as `topic` everywhere in the API; never changes"),
  name: z.string().describe("Display name shown to contacts, e.g. in the preference center"),
  description: z.string().nullable().describe("Short explanation shown to contacts; null when none"),
  channels: z.array(z.enum(CHANNELS)).describe("Channels the topic is offered on (email, sms); consent is recorded per channel"),
  kind: z.enum(TOPIC_KINDS).describe("marketing (needs opt-in consent) or transactional (messages the contact needs, e.g. receipts); never changes"),
  requiresDoubleOptIn: z
    .boolean()
    .describe("When true, opt-ins from forms and the preference center stay pending until the person confirms they control the address"),
  archived: z.boolean().describe("True when the topic is archived: hidden from lists by default and no longer usable for sending"),
  createdAt: z.date().describe("When the topic was created (ISO 8601 UTC)"),
});
export type TTopic = z.infer<typeof ZTopic>;

export const ZCreateTopicInput = z.object({
  key: ZTopicKey.describe("Unique key, 1–64 letters, digits, - and _; used as `topic` in the API and cannot be changed later"),
  name: z.string().trim().min(1, "Name is required").max(100).describe("Display name shown to contacts, 1–100 characters"),
  description: z.string().trim().max(500).optional().describe("Short explanation shown to contacts, up to 500 characters"),
  channels: z.array(z.enum(CHANNELS)).min(1, "Choose at least one channel").describe("Channels the topic is offered on (email, sms), at least one"),
  kind: z.enum(TOPIC_KINDS).describe("marketing (needs opt-in consent) or transactional (messages the contact needs, e.g. receipts); cannot be changed later"),
  requiresDoubleOptIn: z
    .boolean()
    .optional()
    .describe("When true, opt-ins from forms and the preference center stay pending until the person confirms; default false"),
});
export type TCreateTopicInput = z.input<typeof ZCreateTopicInput>;

export const ZUpdateTopicInput = z.object({
  id: z.uuid(),
  name: z.string().trim().min(1).max(100).optional(),
  description: z.string().trim().max(500).nullable().optional(),
  channels: z.array(z.enum(CHANNELS)).min(1).optional(),
  requiresDoubleOptIn: z.boolean().optional(),
  archived: z.boolean().optional(),
});

export function toTopic(row: TopicRow): TTopic {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    channels: [...new Set(row.channels)],
    kind: row.kind,
    requiresDoubleOptIn: row.requiresDoubleOptIn,
    archived: row.archivedAt !== null,
    createdAt: row.createdAt,
  };
}

/** The topics every new workspace starts with. */
export const DEFAULT_TOPICS: z.infer<typeof ZCreateTopicInput>[] = [
  { key: "newsletter", name: "Newsletter", description: "News and stories, about once a month.", channels: ["email"], kind: "marketing", requiresDoubleOptIn: true },
  { key: "promotions", name: "Promotions", description: "Offers and sales by text message.", channels: ["sms"], kind: "marketing", requiresDoubleOptIn: true },
  {
    key: "account-notices",
    name: "Account notices",
    description: "Receipts, security alerts and changes to your account.",
    channels: ["email", "sms"],
    kind: "transactional",
    requiresDoubleOptIn: false,
  },
];

/** Idempotent: inserts the default topics a workspace does not have yet (by key). */
export async function ensureDefaultTopics(db: Queryable, workspaceId: string, now: Date): Promise<void> {
  await db
    .insert(topics)
    .values(DEFAULT_TOPICS.map((t) => ({ ...t, requiresDoubleOptIn: t.requiresDoubleOptIn ?? false, workspaceId, createdAt: now, updatedAt: now })))
    .onConflictDoNothing();
}

export async function listTopics({ ctx, input }: { ctx: ServiceContext; input?: { includeArchived?: boolean } }): Promise<TTopic[]> {
  const rows = await ctx.db
    .select()
    .from(topics)
    .where(and(eq(topics.workspaceId, ctx.workspaceId), input?.includeArchived ? undefined : isNull(topics.archivedAt)))
    .orderBy(asc(topics.createdAt), asc(topics.key));
  return rows.map(toTopic);
}

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
    await writeAudit(tx, ctx, { action: "topic.created", targetType: "topic", targetId: row.id, after: { key: row.key, kind: row.kind, channels: row.channels } });
    return toTopic(row);
  });
}

/** Edits name, description, channels, double opt-in or archives a topic. Keys and kinds never change (consent rests on them). Audited. */
export async function updateTopic({ ctx, input }: { ctx: ServiceContext; input: z.input<typeof ZUpdateTopicInput> }): Promise<TTopic> {
  const { id, archived, ...values } = ZUpdateTopicInput.parse(input);
  const updated = await inTransaction(ctx.db, async (tx) => {
    const [before] = await tx.select().from(topics).where(and(eq(topics.id, id), eq(topics.workspaceId, ctx.workspaceId))).for("update");
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
      before: { name: before.name, channels: before.channels, requiresDoubleOptIn: before.requiresDoubleOptIn, archived: before.archivedAt !== null },
      after: { name: row!.name, channels: row!.channels, requiresDoubleOptIn: row!.requiresDoubleOptIn, archived: row!.archivedAt !== null },
    });
    return toTopic(row!);
  });
  invalidateSendContext(ctx.workspaceId);
  return updated;
}

export async function findTopicByKey(db: Queryable, workspaceId: string, key: string): Promise<TopicRow | undefined> {
  const [row] = await db.select().from(topics).where(and(eq(topics.workspaceId, workspaceId), eq(topics.key, key)));
  return row;
}
