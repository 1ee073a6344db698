import { and, count, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { campaigns, messages } from "@/db/schema";
import { CHANNELS, MESSAGE_KINDS, MESSAGE_PURPOSES, RETRYABLE_STATUSES } from "@/server/shared/enums";
import type { ServiceContext } from "../context";
import { seesFullPii } from "../contacts/mask-contact";
import { MAX_DELIVERY_ATTEMPTS } from "./backoff";
import { messagePurpose } from "./message-access";
import { CREATED_AT_TEXT_FORMAT, decodeMessageCursor, encodeMessageCursor, messageAddress } from "./message-view";

/** The reason a cancelled campaign run writes on the messages it never handed over (`CANCELLED_REASON` in campaigns/runs.ts): not a delivery failure. */
const CANCELLED_REASON = "cancelled";

/**
 * Query parameters: each `.describe()` comes before `.optional()`, because the OpenAPI generator
 * re-wraps optional query parameters and keeps only the inner schema's description.
 */
export const ZListDeadLettersInput = z.object({
  channel: z.enum(CHANNELS).describe("Only messages on this channel: email or sms").optional(),
  campaignId: z.uuid().describe("Only messages of this campaign").optional(),
  cursor: z.string().max(200).describe("The nextCursor of the previous page; omit for the first page").optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50).describe("Page size, 1–100 (default 50)"),
});
export type TListDeadLettersInput = z.input<typeof ZListDeadLettersInput>;

export const ZDeadLetter = z.object({
  id: z.uuid().describe("Message id"),
  channel: z.enum(CHANNELS).describe("email or sms"),
  to: z
    .string()
    .nullable()
    .describe(
      "The recipient: in full for marketers and up and for keys with contacts:read, masked for viewers, null for keys without contacts:read",
    ),
  contactId: z.uuid().nullable().describe("The contact it went to; null for members and unknown addresses"),
  campaignId: z.uuid().nullable().describe("The campaign it belongs to, if any"),
  campaignName: z.string().nullable().describe("That campaign's name"),
  topic: z.string().nullable().describe("Key of the topic it was sent for"),
  kind: z.enum(MESSAGE_KINDS).describe("marketing, transactional or system"),
  purpose: z
    .enum(MESSAGE_PURPOSES)
    .nullable()
    .describe("What the product sent it for itself (double_opt_in, invitation, magic_link); null for a send"),
  status: z
    .enum(RETRYABLE_STATUSES)
    .describe("failed (the provider refused it, retries ran out, or a deferral expired) or undelivered (the carrier)"),
  reason: z.string().nullable().describe("The provider's error code or our reason (e.g. expired)"),
  lastError: z.string().nullable().describe("The last delivery error, as the provider adapter worded it"),
  attempts: z.number().int().describe("Provider calls made"),
  exhausted: z
    .boolean()
    .describe(
      `True when it failed because its retries ran out (${MAX_DELIVERY_ATTEMPTS} attempts of a retryable error)`,
    ),
  retryable: z
    .boolean()
    .describe(
      "Whether messages.retry can send it again (not for confirmation requests, invitations and sign-in links: ask for a new one)",
    ),
  failedAt: z.date().nullable().describe("When it failed (ISO 8601 UTC)"),
  createdAt: z.date().describe("When it was recorded (ISO 8601 UTC)"),
});
export type TDeadLetter = z.infer<typeof ZDeadLetter>;

export const ZDeadLetterPage = z.object({
  items: z.array(ZDeadLetter).describe("Dead letters, newest first"),
  nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
  total: z.number().int().describe("Dead letters matching the filters (all pages)"),
  masked: z.boolean().describe("True when recipients are masked or withheld for this caller"),
});
export type TDeadLetterPage = z.infer<typeof ZDeadLetterPage>;

/**
 * The dead letters: outbound messages that will not be delivered unless someone acts, newest
 * first (keyset on `created_at, id`). That is every `failed` or `undelivered` message: retries
 * ran out (`attempts` ≥ MAX_DELIVERY_ATTEMPTS, or the failed event says `exhausted`), the
 * provider refused it for good, a quiet-hours deferral expired, or the carrier did not deliver it.
 * Left out: messages a cancelled campaign run never handed over, and messages already retried
 * (their retry, `~retry:<id>`, is a message of its own, listed here again if it fails too).
 * Addresses follow the usual masking; no content. Read-only, not audited.
 */
export async function listDeadLetters({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TListDeadLettersInput;
}): Promise<TDeadLetterPage> {
  const filters = ZListDeadLettersInput.parse(input);
  const after = filters.cursor ? decodeMessageCursor(filters.cursor) : undefined;
  const matching = and(
    eq(messages.workspaceId, ctx.workspaceId),
    eq(messages.direction, "outbound"),
    inArray(messages.status, [...RETRYABLE_STATUSES]),
    sql`coalesce(${messages.reason}, '') <> ${CANCELLED_REASON}`,
    // Found through the unique index on (workspace_id, idempotency_key).
    sql`not exists (select 1 from messages r
          where r.workspace_id = ${messages.workspaceId} and r.idempotency_key = '~retry:' || ${messages.id}::text)`,
    filters.channel ? eq(messages.channel, filters.channel) : undefined,
    filters.campaignId ? eq(messages.campaignId, filters.campaignId) : undefined,
  );
  const pageQuery = ctx.db
    .select({
      row: messages,
      campaignName: campaigns.name,
      exhausted: sql<boolean>`(${messages.attempts} >= ${MAX_DELIVERY_ATTEMPTS}::int or exists (
        select 1 from message_events e
         where e.message_id = ${messages.id} and e.status = 'failed' and (e.detail ->> 'exhausted') = 'true'))`,
      createdAtText: sql<string>`to_char(${messages.createdAt} at time zone 'UTC', ${CREATED_AT_TEXT_FORMAT})`,
    })
    .from(messages)
    .leftJoin(campaigns, and(eq(campaigns.id, messages.campaignId), eq(campaigns.workspaceId, messages.workspaceId)))
    .where(
      and(
        matching,
        after
          ? sql`(${messages.createdAt}, ${messages.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(filters.limit + 1);
  const [rows, [counted]] = await Promise.all([
    pageQuery,
    ctx.db.select({ total: count() }).from(messages).where(matching),
  ]);

  const page = rows.slice(0, filters.limit);
  const last = rows.length > filters.limit ? page[page.length - 1] : undefined;
  const full = seesFullPii(ctx.actor);
  // A key that may send but not read contacts follows statuses, never addresses (as on GET /messages).
  const withheld = !full && ctx.actor.type !== "user";
  const items: TDeadLetter[] = page.map(({ row, campaignName, exhausted }) => {
    const purpose = messagePurpose(row);
    const stored = typeof (row.options as { request?: unknown }).request === "string";
    return {
      id: row.id,
      channel: row.channel,
      to: withheld ? null : messageAddress(row, full),
      contactId: row.contactId,
      campaignId: row.campaignId,
      campaignName: campaignName ?? null,
      topic: row.topicKey,
      kind: row.kind,
      purpose,
      status: row.status as TDeadLetter["status"],
      reason: row.reason,
      lastError: row.lastError,
      attempts: row.attempts,
      exhausted: Boolean(exhausted),
      retryable: row.kind !== "system" && purpose === null && stored && row.topicKey !== null,
      failedAt: row.failedAt,
      createdAt: row.createdAt,
    };
  });
  return {
    items,
    nextCursor: last ? encodeMessageCursor(last.createdAtText, last.row.id) : null,
    total: Number(counted?.total ?? 0),
    masked: !full,
  };
}
