import { and, count, desc, eq, gte, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { CHANNELS, MESSAGE_DIRECTIONS, MESSAGE_KINDS, MESSAGE_PURPOSES, MESSAGE_STATUSES, messages, templates, topics, type MessageStatus } from "@/db/schema";
import { AppError, invalid } from "@/server/lib/errors";
import { requireAccess, type ServiceContext } from "../context";
import { getContactRow, resolveAddresses } from "../contacts/rows";
import { seesFullPii } from "../contacts/mask-contact";
import { messagePurpose } from "./message-access";
import { ZTopicKey } from "../topics/schemas";
import {
  CREATED_AT_TEXT_FORMAT,
  decodeMessageCursor,
  encodeMessageCursor,
  loadEvents,
  messageAddress,
  messagePreview,
  toMessage,
  ZMessage,
  type TMessage,
} from "./message-view";

export const MESSAGES_PAGE_SIZE = 50;

/** Filters of the message history; they combine with AND. Shared by the REST list and the admin table. */
/**
 * Query parameters: each `.describe()` comes before `.optional()`, because the OpenAPI generator
 * re-wraps optional query parameters and keeps only the inner schema's description.
 */
export const ZListMessagesInput = z.object({
  contactId: z.uuid().describe("Only this contact's messages (inbound and outbound)").optional(),
  status: z.enum(MESSAGE_STATUSES).describe("Only messages currently in this status").optional(),
  channel: z.enum(CHANNELS).describe("Only messages on this channel: email or sms").optional(),
  topic: ZTopicKey.describe("Only messages sent for this topic (its key)").optional(),
  direction: z.enum(MESSAGE_DIRECTIONS).describe("Only outbound (sent by the workspace) or inbound (received) messages").optional(),
  campaignId: z.uuid().describe("Only messages of this campaign").optional(),
  recipient: z
    .string()
    .trim()
    .min(1)
    .max(320)
    .describe("A complete email address or phone number (any format): addresses are encrypted, so this is an exact match, never a substring")
    .optional(),
  createdFrom: z.coerce.date().describe("ISO 8601 time: only messages recorded at or after it").optional(),
  createdTo: z.coerce.date().describe("ISO 8601 time: only messages recorded before it").optional(),
  cursor: z.string().max(200).describe("The nextCursor of the previous page; omit for the first page").optional(),
  limit: z.coerce.number().int().min(1).max(100).default(MESSAGES_PAGE_SIZE).describe("Page size, 1–100 (default 50)"),
});
export type TListMessagesInput = z.input<typeof ZListMessagesInput>;
type ParsedFilters = z.infer<typeof ZListMessagesInput>;

export const ZMessagePage = z.object({
  items: z.array(ZMessage).describe("Messages, newest first"),
  nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
});
export type TMessagePage = z.infer<typeof ZMessagePage>;

/** A row of the admin message table. */
export const ZMessageListItem = z.object({
  id: z.uuid(),
  contactId: z.uuid().nullable(),
  direction: z.enum(MESSAGE_DIRECTIONS),
  channel: z.enum(CHANNELS),
  topic: z.string().nullable(),
  topicName: z.string().nullable(),
  kind: z.enum(MESSAGE_KINDS),
  /** A message the product sent of its own: a double opt-in confirmation, an invitation, a sign-in link. */
  purpose: z.enum(MESSAGE_PURPOSES).nullable(),
  /** The member a system message went to (null for contacts' messages and invitations to new addresses). */
  userId: z.uuid().nullable(),
  status: z.enum(MESSAGE_STATUSES),
  reason: z.string().nullable(),
  /** Recipient (outbound) or sender (inbound); masked for viewers. */
  address: z.string().nullable(),
  /** Email subject or the start of the SMS text; null for viewers (content is withheld). */
  preview: z.string().nullable(),
  templateName: z.string().nullable(),
  templateVersion: z.number().int().nullable(),
  campaignId: z.uuid().nullable(),
  relation: z.string().nullable(),
  parentMessageId: z.uuid().nullable(),
  transport: z.string().nullable(),
  createdAt: z.date(),
});
export type TMessageListItem = z.infer<typeof ZMessageListItem>;

export const ZMessageBrowsePage = z.object({
  items: z.array(ZMessageListItem),
  nextCursor: z.string().nullable(),
  /** Messages matching every filter (all pages). */
  total: z.number().int(),
  /** Messages per status matching every filter except the status one (for the status chips). */
  statusCounts: z.record(z.string(), z.number().int()),
  /** True when addresses are masked and content is withheld for this caller (viewers). */
  masked: z.boolean(),
});
export type TMessageBrowsePage = z.infer<typeof ZMessageBrowsePage>;

/** The blind index to match `recipient` against: an email when it has an @, a phone otherwise. */
async function recipientCondition(ctx: ServiceContext, recipient: string): Promise<SQL> {
  const isEmail = recipient.includes("@");
  try {
    const addresses = await resolveAddresses(ctx.db, ctx.workspaceId, isEmail ? { email: recipient } : { phone: recipient });
    return isEmail
      ? and(eq(messages.channel, "email"), eq(messages.addressHash, addresses.emailHash!))!
      : and(eq(messages.channel, "sms"), eq(messages.addressHash, addresses.phoneHash!))!;
  } catch (error) {
    if (error instanceof AppError && error.code === "INVALID") {
      throw invalid(
        isEmail
          ? "Enter a complete email address: addresses are encrypted, so only whole addresses match"
          : "Enter a complete email address or phone number: addresses are encrypted, so partial text cannot be searched",
        "recipient",
      );
    }
    throw error;
  }
}

/** Filter conditions without the status one (the status chips count across statuses). */
async function baseConditions(ctx: ServiceContext, filters: ParsedFilters): Promise<SQL[]> {
  // Looking messages up by address tells whether that address is a contact: a contacts read.
  if (filters.recipient) requireAccess(ctx, { scope: "contacts:read", role: "viewer", what: "filtering by recipient" });
  if (filters.contactId) await getContactRow(ctx.db, ctx.workspaceId, filters.contactId);
  const conditions: (SQL | undefined)[] = [
    eq(messages.workspaceId, ctx.workspaceId),
    filters.contactId ? eq(messages.contactId, filters.contactId) : undefined,
    filters.channel ? eq(messages.channel, filters.channel) : undefined,
    filters.topic ? eq(messages.topicKey, filters.topic) : undefined,
    filters.direction ? eq(messages.direction, filters.direction) : undefined,
    filters.campaignId ? eq(messages.campaignId, filters.campaignId) : undefined,
    filters.recipient ? await recipientCondition(ctx, filters.recipient) : undefined,
    filters.createdFrom ? gte(messages.createdAt, filters.createdFrom) : undefined,
    filters.createdTo ? lt(messages.createdAt, filters.createdTo) : undefined,
  ];
  return conditions.filter((c): c is SQL => c !== undefined);
}

async function selectPage(ctx: ServiceContext, where: SQL | undefined, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeMessageCursor(cursor) : undefined;
  const rows = await ctx.db
    .select({
      row: messages,
      topicName: topics.name,
      templateName: templates.name,
      createdAtText: sql<string>`to_char(${messages.createdAt} at time zone 'UTC', ${CREATED_AT_TEXT_FORMAT})`,
    })
    .from(messages)
    .leftJoin(topics, and(eq(topics.id, messages.topicId), eq(topics.workspaceId, messages.workspaceId)))
    .leftJoin(templates, and(eq(templates.id, messages.templateId), eq(templates.workspaceId, messages.workspaceId)))
    .where(and(where, after ? sql`(${messages.createdAt}, ${messages.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)` : undefined))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = rows.length > limit ? page[page.length - 1] : undefined;
  return { page, nextCursor: last ? encodeMessageCursor(last.createdAtText, last.row.id) : null };
}

/**
 * `GET /messages`: a page of the workspace's messages, newest first (keyset on `created_at, id`),
 * each with its timeline. A `contactId` of another workspace is NOT_FOUND; a malformed recipient
 * is INVALID naming `recipient`. No addresses or content in this shape. Read-only, not audited.
 */
export async function listMessages({ ctx, input }: { ctx: ServiceContext; input: TListMessagesInput }): Promise<TMessagePage> {
  const filters = ZListMessagesInput.parse(input);
  const conditions = await baseConditions(ctx, filters);
  if (filters.status) conditions.push(eq(messages.status, filters.status));
  const { page, nextCursor } = await selectPage(ctx, and(...conditions), filters.cursor, filters.limit);
  const events = await loadEvents(
    ctx.db,
    ctx.workspaceId,
    page.map((p) => p.row.id),
  );
  const items: TMessage[] = page.map(({ row }) => toMessage(row, events.get(row.id) ?? []));
  return { items, nextCursor };
}

/**
 * The admin message table: a page newest first with recipient and a one-line preview, the total
 * and per-status counts for the same filters. Viewers get addresses masked and no preview
 * (content is for marketers and above). Read-only, not audited.
 */
export async function browseMessages({ ctx, input }: { ctx: ServiceContext; input: TListMessagesInput }): Promise<TMessageBrowsePage> {
  const filters = ZListMessagesInput.parse(input);
  const base = await baseConditions(ctx, filters);
  const where = and(...base, filters.status ? eq(messages.status, filters.status) : undefined);
  const [{ page, nextCursor }, counts] = await Promise.all([
    selectPage(ctx, where, filters.cursor, filters.limit),
    ctx.db
      .select({ status: messages.status, total: count() })
      .from(messages)
      .where(and(...base))
      .groupBy(messages.status),
  ]);
  const full = seesFullPii(ctx.actor);
  const statusCounts: Partial<Record<MessageStatus, number>> = {};
  for (const c of counts) statusCounts[c.status] = Number(c.total);
  const total = filters.status ? (statusCounts[filters.status] ?? 0) : counts.reduce((sum, c) => sum + Number(c.total), 0);
  const items: TMessageListItem[] = page.map(({ row, topicName, templateName }) => ({
    id: row.id,
    contactId: row.contactId,
    direction: row.direction,
    channel: row.channel,
    topic: row.topicKey,
    topicName,
    kind: row.kind,
    purpose: messagePurpose(row),
    userId: row.userId,
    status: row.status,
    reason: row.reason,
    address: messageAddress(row, full),
    preview: full ? messagePreview(row) : null,
    templateName,
    templateVersion: row.templateVersion,
    campaignId: row.campaignId,
    relation: row.relation,
    parentMessageId: row.parentMessageId,
    transport: row.transport,
    createdAt: row.createdAt,
  }));
  return { items, nextCursor, total, statusCounts, masked: !full };
}
