import { compileForWorkspace, findSegment } from "../segments/rows";
import { and, arrayContains, asc, desc, eq, exists, gte, inArray, lt, notExists, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { CHANNELS, CONSENT_STATUSES, consentStates, contacts, topics } from "@/db/schema";
import { AppError, invalid } from "@/server/lib/errors";
import type { ServiceContext } from "../context";
import { cappedCount } from "../counters/capped-count";
import { consentCounterKey, readCounters } from "../counters/read-counters";
import { findTopicByKey } from "../topics/queries";
import { ZTopicKey } from "../topics/schemas";
import { resolveAddresses, toContact } from "./rows";
import { maskContact, seesFullPii } from "./mask-contact";
import { searchQueryTokens } from "./search-tokens";

export const CONTACTS_PAGE_SIZE = 50;

/** `none` = no consent recorded for the topic (on the channel, when one is given). */
export const CONSENT_FILTER_STATUSES = [...CONSENT_STATUSES, "none"] as const;

export const ZListContactsInput = z.object({
  /**
   * A complete email address or phone number (exact blind-index match); for callers who see
   * personal data in full, also a name (every word must match) or the start of an email address
   * (3 characters or more), through the keyed search tokens.
   */
  search: z.string().trim().max(320).optional(),
  tag: z.string().trim().min(1).max(64).optional(),
  /** Only the contacts a saved segment holds now (its filter compiled into this query). */
  segmentId: z.uuid().optional(),
  consent: z
    .object({
      topic: ZTopicKey,
      channel: z.enum(CHANNELS).optional(),
      status: z.enum(CONSENT_FILTER_STATUSES),
    })
    .optional(),
  /** Inclusive lower bound on `createdAt`. */
  createdFrom: z.date().optional(),
  /** Exclusive upper bound on `createdAt`. */
  createdTo: z.date().optional(),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(100).default(CONTACTS_PAGE_SIZE),
});
export type TListContactsInput = z.input<typeof ZListContactsInput>;

export const ZConsentSummary = z.object({
  topic: z.string(),
  topicName: z.string(),
  channel: z.enum(CHANNELS),
  status: z.enum(CONSENT_STATUSES),
});

export const ZContactListItem = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  tags: z.array(z.string()),
  erased: z.boolean(),
  createdAt: z.date(),
  consent: z.array(ZConsentSummary),
});
export type TContactListItem = z.infer<typeof ZContactListItem>;

export const ZContactListPage = z.object({
  items: z.array(ZContactListItem),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
  /**
   * Contacts matching the filters (all pages); null on later pages (the first page's figure
   * stands: pages never recount). Without filters, or with one tag or one topic × channel
   * consent filter, an exact figure from the page counters; otherwise counted up to COUNT_CAP.
   */
  total: z.number().int().nullable(),
  /** True when `total` is a lower bound: more than COUNT_CAP contacts match (shown as "10,000+"). */
  totalCapped: z.boolean(),
  /** True when personal fields are masked for this caller (viewers). */
  masked: z.boolean(),
});
export type TContactListPage = z.infer<typeof ZContactListPage>;

/**
 * The cursor carries `created_at` as Postgres prints it (microseconds) so rows written by SQL
 * `now()` in the same millisecond are neither skipped nor repeated; a JS Date would truncate.
 */
function encodeCursor(createdAtText: string, id: string): string {
  return Buffer.from(`${createdAtText}|${id}`, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!createdAt || !id || !z.uuid().safeParse(id).success || Number.isNaN(Date.parse(createdAt))) {
    throw invalid("This page link is no longer valid; start from the first page", "cursor");
  }
  return { createdAt, id };
}

/**
 * The search box. Everyone may find a contact by a complete email address or phone number (blind
 * index, exact). Members and keys who see personal data in full may also find one by name or by
 * the start of an email address, through the keyed search tokens (`searchQueryTokens`: the email
 * prefix, or every word of the name). Viewers see names and addresses masked, so they get no
 * partial matching: it would let them spell out a masked address or test names unaudited.
 */
async function searchCondition(ctx: ServiceContext, search: string): Promise<SQL> {
  const partial = seesFullPii(ctx.actor);
  const isEmail = search.includes("@");
  const conditions: SQL[] = [];
  try {
    const addresses = await resolveAddresses(ctx.db, ctx.workspaceId, isEmail ? { email: search } : { phone: search });
    conditions.push(
      isEmail ? eq(contacts.emailHash, addresses.emailHash!) : eq(contacts.phoneHash, addresses.phoneHash!),
    );
  } catch (error) {
    if (!(error instanceof AppError && error.code === "INVALID")) throw error;
  }
  if (partial) {
    const { email, names } = searchQueryTokens(ctx.workspaceId, search);
    if (email) conditions.push(arrayContains(contacts.searchTokens, [email]));
    if (names.length) conditions.push(arrayContains(contacts.searchTokens, names));
  }
  if (conditions.length === 0) {
    throw invalid(
      partial
        ? "Enter a name, the start of an email address (3 characters or more), or a complete phone number"
        : isEmail
          ? "Enter a complete email address: contacts are encrypted, so search matches whole addresses only"
          : "Enter a complete email address or phone number: contacts are encrypted, so partial text cannot be searched",
      "search",
    );
  }
  return or(...conditions)!;
}

async function consentCondition(
  ctx: ServiceContext,
  filter: NonNullable<z.infer<typeof ZListContactsInput>["consent"]>,
): Promise<{ condition: SQL; topicId: string }> {
  const topic = await findTopicByKey(ctx.db, ctx.workspaceId, filter.topic);
  if (!topic) throw invalid(`Unknown topic "${filter.topic}"`, "consent.topic");
  const stateOf = (status?: (typeof CONSENT_STATUSES)[number]) =>
    ctx.db
      .select({ one: sql`1` })
      .from(consentStates)
      .where(
        and(
          eq(consentStates.workspaceId, ctx.workspaceId),
          eq(consentStates.contactId, contacts.id),
          eq(consentStates.topicId, topic.id),
          filter.channel ? eq(consentStates.channel, filter.channel) : undefined,
          status ? eq(consentStates.status, status) : undefined,
        ),
      );
  return {
    condition: filter.status === "none" ? notExists(stateOf()) : exists(stateOf(filter.status)),
    topicId: topic.id,
  };
}

/**
 * The total of the first page. The counts a page shows unfiltered, by one tag or by one topic ×
 * channel consent status come from the page counters (server/services/counters: exact, a few
 * rows read however many contacts there are); any other filter is counted up to COUNT_CAP, which
 * bounds the work (a filtered figure above it reads "10,000+").
 */
async function countMatching(
  ctx: ServiceContext,
  filters: z.infer<typeof ZListContactsInput>,
  consentTopicId: string | undefined,
  where: SQL | undefined,
): Promise<{ total: number; totalCapped: boolean }> {
  const { search, tag, segmentId, consent, createdFrom, createdTo } = filters;
  const others = [search, segmentId, createdFrom, createdTo].some((f) => f !== undefined);
  if (!others && !tag && !consent) {
    const counters = await readCounters(ctx.db, ctx.workspaceId, "contacts", [""]);
    return { total: counters.get("") ?? 0, totalCapped: false };
  }
  if (!others && tag && !consent) {
    const counters = await readCounters(ctx.db, ctx.workspaceId, "tag", [tag]);
    return { total: counters.get(tag) ?? 0, totalCapped: false };
  }
  if (!others && !tag && consent?.channel && consentTopicId) {
    // consent_states holds at most one row per contact, topic and channel.
    const key = (status: string) => consentCounterKey(consentTopicId, consent.channel!, status);
    if (consent.status !== "none") {
      const counters = await readCounters(ctx.db, ctx.workspaceId, "consent", [key(consent.status)]);
      return { total: counters.get(key(consent.status)) ?? 0, totalCapped: false };
    }
    const [all, states] = await Promise.all([
      readCounters(ctx.db, ctx.workspaceId, "contacts", [""]),
      readCounters(ctx.db, ctx.workspaceId, "consent", CONSENT_STATUSES.map(key)),
    ]);
    const withState = [...states.values()].reduce((sum, n) => sum + n, 0);
    return { total: Math.max(0, (all.get("") ?? 0) - withState), totalCapped: false };
  }
  const { count: total, capped } = await cappedCount(
    ctx.db,
    ctx.db
      .select({ one: sql`1` })
      .from(contacts)
      .where(where)
      .getSQL(),
  );
  return { total, totalCapped: capped };
}

/** The saved segment's filter as a condition on `contacts` (NOT_FOUND for another workspace's or an unknown id). */
async function segmentCondition(ctx: ServiceContext, segmentId: string): Promise<SQL> {
  const segment = await findSegment(ctx.db, ctx.workspaceId, segmentId);
  return compileForWorkspace(ctx.db, ctx.workspaceId, ctx.now(), segment.filter, {
    self: { id: segment.id, name: segment.name },
  });
}

/**
 * One page of the workspace's contacts, newest first (keyset on `created_at, id`), with each
 * contact's consent summary. Filters combine with AND. Viewers get names, email and phone masked
 * (`maskContact`); everyone else gets them decrypted. Read-only, not audited.
 */
export async function listContacts({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TListContactsInput;
}): Promise<TContactListPage> {
  const parsed = ZListContactsInput.parse(input);
  const { search, tag, segmentId, consent, createdFrom, createdTo, cursor, limit } = parsed;
  const consentFilter = consent ? await consentCondition(ctx, consent) : undefined;
  const filters: (SQL | undefined)[] = [
    eq(contacts.workspaceId, ctx.workspaceId),
    search ? await searchCondition(ctx, search) : undefined,
    tag ? arrayContains(contacts.tags, [tag]) : undefined,
    segmentId ? await segmentCondition(ctx, segmentId) : undefined,
    consentFilter?.condition,
    createdFrom ? gte(contacts.createdAt, createdFrom) : undefined,
    createdTo ? lt(contacts.createdAt, createdTo) : undefined,
  ];
  const where = and(...filters);
  const after = cursor ? decodeCursor(cursor) : undefined;

  const [rows, counted] = await Promise.all([
    ctx.db
      .select({
        row: contacts,
        createdAtText: sql<string>`to_char(${contacts.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      })
      .from(contacts)
      .where(
        and(
          where,
          after
            ? sql`(${contacts.createdAt}, ${contacts.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`
            : undefined,
        ),
      )
      .orderBy(desc(contacts.createdAt), desc(contacts.id))
      .limit(limit + 1),
    // "Next" does not recount: the first page's total stands.
    after ? undefined : countMatching(ctx, parsed, consentFilter?.topicId, where),
  ]);

  const page = rows.slice(0, limit);
  const ids = page.map((r) => r.row.id);
  const states = ids.length
    ? await ctx.db
        .select({
          contactId: consentStates.contactId,
          topic: topics.key,
          topicName: topics.name,
          channel: consentStates.channel,
          status: consentStates.status,
        })
        .from(consentStates)
        .innerJoin(topics, eq(topics.id, consentStates.topicId))
        .where(and(eq(consentStates.workspaceId, ctx.workspaceId), inArray(consentStates.contactId, ids)))
        .orderBy(asc(topics.createdAt), asc(topics.key), asc(consentStates.channel))
    : [];

  const masked = !seesFullPii(ctx.actor);
  const items = page.map(({ row }) => {
    const contact = toContact(row);
    const item: TContactListItem = {
      id: contact.id,
      email: contact.email,
      phone: contact.phone,
      firstName: contact.firstName,
      lastName: contact.lastName,
      tags: contact.tags,
      erased: contact.erased,
      createdAt: contact.createdAt,
      consent: states.filter((s) => s.contactId === row.id).map(({ contactId: _, ...s }) => s),
    };
    return masked ? maskContact(item) : item;
  });
  const last = rows.length > limit ? page[page.length - 1] : undefined;
  return {
    items,
    nextCursor: last ? encodeCursor(last.createdAtText, last.row.id) : null,
    total: counted?.total ?? null,
    totalCapped: counted?.totalCapped ?? false,
    masked,
  };
}
