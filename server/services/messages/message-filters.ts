import { and, desc, eq, gte, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { CHANNELS, MESSAGE_DIRECTIONS, MESSAGE_STATUSES, messages, templates, topics } from "@/db/schema";
import { AppError, invalid } from "@/server/lib/errors";
import { requireAccess, type ServiceContext } from "../context";
import { getContactRow, resolveAddresses } from "../contacts/rows";
import { ZTopicKey } from "../topics/schemas";
import { CREATED_AT_TEXT_FORMAT, decodeMessageCursor, encodeMessageCursor } from "./message-view";

/**
 * What the message history's REST list (`listMessages`) and admin table (`browseMessages`) share:
 * the filters, their SQL conditions and the keyset page query.
 */

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
  direction: z
    .enum(MESSAGE_DIRECTIONS)
    .describe("Only outbound (sent by the workspace) or inbound (received) messages")
    .optional(),
  campaignId: z.uuid().describe("Only messages of this campaign").optional(),
  recipient: z
    .string()
    .trim()
    .min(1)
    .max(320)
    .describe(
      "A complete email address or phone number (any format): addresses are encrypted, so this is an exact match, never a substring",
    )
    .optional(),
  createdFrom: z.coerce.date().describe("ISO 8601 time: only messages recorded at or after it").optional(),
  createdTo: z.coerce.date().describe("ISO 8601 time: only messages recorded before it").optional(),
  cursor: z.string().max(200).describe("The nextCursor of the previous page; omit for the first page").optional(),
  limit: z.coerce.number().int().min(1).max(100).default(MESSAGES_PAGE_SIZE).describe("Page size, 1–100 (default 50)"),
});
export type TListMessagesInput = z.input<typeof ZListMessagesInput>;
export type ParsedFilters = z.infer<typeof ZListMessagesInput>;

/** The blind index to match `recipient` against: an email when it has an @, a phone otherwise. */
async function recipientCondition(ctx: ServiceContext, recipient: string): Promise<SQL> {
  const isEmail = recipient.includes("@");
  try {
    const addresses = await resolveAddresses(
      ctx.db,
      ctx.workspaceId,
      isEmail ? { email: recipient } : { phone: recipient },
    );
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
export async function baseConditions({
  ctx,
  input: filters,
}: {
  ctx: ServiceContext;
  input: ParsedFilters;
}): Promise<SQL[]> {
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

/** One page of messages newest first (keyset on `created_at, id`), with topic and template names. */
export async function selectPage(db: Queryable, where: SQL | undefined, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeMessageCursor(cursor) : undefined;
  const rows = await db
    .select({
      row: messages,
      topicName: topics.name,
      templateName: templates.name,
      createdAtText: sql<string>`to_char(${messages.createdAt} at time zone 'UTC', ${CREATED_AT_TEXT_FORMAT})`,
    })
    .from(messages)
    .leftJoin(topics, and(eq(topics.id, messages.topicId), eq(topics.workspaceId, messages.workspaceId)))
    .leftJoin(templates, and(eq(templates.id, messages.templateId), eq(templates.workspaceId, messages.workspaceId)))
    .where(
      and(
        where,
        after
          ? sql`(${messages.createdAt}, ${messages.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = rows.length > limit ? page[page.length - 1] : undefined;
  return { page, nextCursor: last ? encodeMessageCursor(last.createdAtText, last.row.id) : null };
}
