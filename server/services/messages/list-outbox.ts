import { and, count, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { CHANNELS, MESSAGE_KINDS, MESSAGE_PURPOSES, MESSAGE_STATUSES, messages } from "@/db/schema";
import type { SendingContext } from "../context";
import { seesFullPii } from "../contacts/mask-contact";
import { messagePurpose, seesMessageContent } from "./message-access";
import {
  CREATED_AT_TEXT_FORMAT,
  decodeMessageCursor,
  encodeMessageCursor,
  messageAddress,
  messageContent,
  messageHeaders,
} from "./message-view";

/** The transport that records instead of sending (no provider configured). */
export const LOG_TRANSPORT = "log";
export const OUTBOX_PAGE_SIZE = 20;

export const ZOutboxInput = z.object({
  channel: z.enum(CHANNELS).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(50).default(OUTBOX_PAGE_SIZE),
});
export type TOutboxInput = z.input<typeof ZOutboxInput>;

export const ZOutboxItem = z.object({
  id: z.uuid(),
  contactId: z.uuid().nullable(),
  /** The member a system message went to. */
  userId: z.uuid().nullable(),
  channel: z.enum(CHANNELS),
  kind: z.enum(MESSAGE_KINDS),
  /** A double opt-in confirmation, an invitation or a sign-in link (null for a send). */
  purpose: z.enum(MESSAGE_PURPOSES).nullable(),
  status: z.enum(MESSAGE_STATUSES),
  topic: z.string().nullable(),
  from: z.string().nullable(),
  /** Masked for viewers. */
  to: z.string().nullable(),
  /** null when withheld for this caller: viewers; and system messages (invitations, sign-in links) below admin or below the recipient's role (message-access.ts). */
  content: z
    .object({ subject: z.string().nullable(), text: z.string().nullable(), html: z.string().nullable() })
    .nullable(),
  headers: z.record(z.string(), z.string()),
  segments: z.number().int().nullable(),
  providerMessageId: z.string().nullable(),
  createdAt: z.date(),
  sentAt: z.date().nullable(),
});
export type TOutboxItem = z.infer<typeof ZOutboxItem>;

export const ZOutboxPage = z.object({
  items: z.array(ZOutboxItem),
  nextCursor: z.string().nullable(),
  /** Per channel, every page. */
  counts: z.object({ email: z.number().int(), sms: z.number().int() }),
  masked: z.boolean(),
  /** The transport each channel uses now (`log` = recorded here instead of sent). */
  transports: z.object({ email: z.string(), sms: z.string() }),
});
export type TOutboxPage = z.infer<typeof ZOutboxPage>;

/**
 * The "Outbox" of the log transport: outbound messages the log transport recorded instead of
 * sending, newest first, as the recipient would have received them (from, to, subject, HTML and
 * text parts, headers such as List-Unsubscribe, SMS segments): sends, double opt-in
 * confirmations, invitations and sign-in links alike. Viewers get the recipient masked and no
 * content; the content of an invitation or a sign-in link is shown only to admins and owners
 * whose role reaches the recipient's (`seesMessageContent`). Read-only, not audited.
 */
export async function listOutbox({ ctx, input }: { ctx: SendingContext; input: TOutboxInput }): Promise<TOutboxPage> {
  const { channel, cursor, limit } = ZOutboxInput.parse(input);
  const base = and(
    eq(messages.workspaceId, ctx.workspaceId),
    eq(messages.direction, "outbound"),
    eq(messages.transport, LOG_TRANSPORT),
  );
  const after = cursor ? decodeMessageCursor(cursor) : undefined;
  const [rows, counts] = await Promise.all([
    ctx.db
      .select({
        row: messages,
        createdAtText: sql<string>`to_char(${messages.createdAt} at time zone 'UTC', ${CREATED_AT_TEXT_FORMAT})`,
      })
      .from(messages)
      .where(
        and(
          base,
          channel ? eq(messages.channel, channel) : undefined,
          after
            ? sql`(${messages.createdAt}, ${messages.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`
            : undefined,
        ),
      )
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(limit + 1),
    ctx.db.select({ channel: messages.channel, total: count() }).from(messages).where(base).groupBy(messages.channel),
  ]);
  const full = seesFullPii(ctx.actor);
  const page = rows.slice(0, limit);
  const last = rows.length > limit ? page[page.length - 1] : undefined;
  return {
    items: page.map(({ row }) => ({
      id: row.id,
      contactId: row.contactId,
      userId: row.userId,
      channel: row.channel,
      kind: row.kind,
      purpose: messagePurpose(row),
      status: row.status,
      topic: row.topicKey,
      from: row.fromAddress,
      to: messageAddress(row, full),
      content: seesMessageContent(ctx.actor, row) ? messageContent(row) : null,
      headers: messageHeaders(row, full),
      segments: row.segments,
      providerMessageId: row.providerMessageId,
      createdAt: row.createdAt,
      sentAt: row.sentAt,
    })),
    nextCursor: last ? encodeMessageCursor(last.createdAtText, last.row.id) : null,
    counts: {
      email: Number(counts.find((c) => c.channel === "email")?.total ?? 0),
      sms: Number(counts.find((c) => c.channel === "sms")?.total ?? 0),
    },
    masked: !full,
    transports: { email: ctx.outbox.transports.email.name, sms: ctx.outbox.transports.sms.name },
  };
}
