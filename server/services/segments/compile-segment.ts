import { and, eq, sql, type SQL } from "drizzle-orm";
import { consentStates, contacts, messages, trackingEvents } from "@/db/schema";
import { ACCEPTED_STATUSES, type Channel } from "@/server/shared/enums";
import {
  describeField,
  groupParts,
  isGroup,
  parseDateValue,
  parseField,
  referencedSegments,
  SEGMENT_LIMITS,
  type SegmentCondition,
  type SegmentConsentValue,
  type SegmentFilter,
  type SegmentNode,
  type SegmentOp,
} from "@/server/shared/segment-filter";
import { type AppError, invalid } from "@/server/lib/errors";

/**
 * The segment compiler: a filter (server/shared/segment-filter.ts) becomes ONE SQL boolean
 * expression over the `contacts` table, usable in any `select … from contacts where …`
 * (counts, previews, and later a campaign's audience). Consent, messages and nested segments are
 * EXISTS / NOT EXISTS subqueries correlated on `contacts.id`, each scoped to the workspace.
 * Every value of the filter reaches the database as a bound parameter.
 *
 * Two steps: `resolveSegmentReferences` (async, through a `ReferenceLoader`) looks up what the
 * filter names (topics by key, nested segments by id, with cycle detection and a depth limit);
 * `compileSegmentFilter` is pure given those references. Every leaf yields true or false, never
 * NULL, so negations (`neq`, `not_in`, `not_contains`, `segment not_in`) are plain NOTs and a
 * missing value counts as "not equal".
 */

/** What `compileSegmentFilter` needs besides the filter: all looked up beforehand. */
export interface SegmentReferences {
  workspaceId: string;
  /** The evaluation instant (`ctx.now()`): `within_days` counts back from it. */
  now: Date;
  /** Topic key → topic id, for every `consent.<topic>.<channel>` of the tree. */
  topics: ReadonlyMap<string, string>;
  /** Segment id → its name and filter, for every segment reached through `segment in/not_in`. */
  segments: ReadonlyMap<string, { name: string; filter: SegmentFilter }>;
  /**
   * The blind index of an address as written in a condition (normalised as contacts are), or
   * null when it is not a valid address of that kind.
   */
  addressHash: (kind: "email" | "phone", value: string) => string | null;
}

/** What resolution reads: supplied by the database in services, by tables in unit tests. */
export interface ReferenceLoader {
  /** Ids of the workspace's topics with these keys (archived ones included: their consent stays). */
  topicIds(keys: string[]): Promise<Map<string, string>>;
  /** A segment of the workspace, or null when there is none with this id. */
  segment(id: string): Promise<{ id: string; name: string; filter: SegmentFilter; archived: boolean } | null>;
}

/** A compiled filter may reach at most this many conditions once nested segments are expanded. */
export const MAX_EXPANDED_CONDITIONS = 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** "Was sent" for activity fields: the provider accepted it (and may since have reported delivery or a complaint). */
const SENT_STATUSES = [...ACCEPTED_STATUSES, "complained"] as const;

type Path = (string | number)[];

function pathText(base: string, path: Path): string {
  return [base, ...path].join(".");
}

function refuse(message: string, base: string, path: Path): AppError {
  return invalid(message, pathText(base, path));
}

/** Topic keys named by a filter's consent conditions. */
function consentTopics(filter: SegmentFilter): string[] {
  const keys = new Set<string>();
  const visit = (node: SegmentNode) => {
    if (isGroup(node)) groupParts(node).members.forEach(visit);
    else {
      const parsed = parseField(node.field);
      if (parsed?.kind === "consent") keys.add(parsed.topic);
    }
  };
  visit(filter);
  return [...keys];
}

/**
 * Looks up every topic and nested segment the filter reaches. `self` is the segment being saved
 * or evaluated (so a filter that refers back to it is a cycle). A reference to an unknown or
 * archived segment, a cycle (the error names it: `A → B → A`), or segments nested deeper than
 * SEGMENT_LIMITS.maxSegmentDepth is INVALID, reported on the root filter's condition that leads
 * there (`field` = e.g. `filter.all.2.value`). Unknown topics are left to the compiler.
 */
export async function resolveSegmentReferences(
  filter: SegmentFilter,
  loader: ReferenceLoader,
  options: { self?: { id: string; name: string }; field?: string } = {},
): Promise<Pick<SegmentReferences, "topics" | "segments">> {
  const base = options.field ?? "filter";
  const segments = new Map<string, { name: string; filter: SegmentFilter }>();
  const topicKeys = new Set(consentTopics(filter));

  const walk = async (
    current: SegmentFilter,
    chain: { id: string; name: string }[],
    rootPath: Path | null,
  ): Promise<void> => {
    for (const ref of referencedSegments(current)) {
      const at = [...(rootPath ?? ref.path), "value"];
      const cycleStart = chain.findIndex((link) => link.id === ref.id);
      if (cycleStart >= 0) {
        const loop = [...chain.slice(cycleStart), chain[cycleStart]!].map((link) => `"${link.name}"`).join(" → ");
        throw refuse(`Segments cannot refer to each other in a cycle: ${loop}`, base, at);
      }
      const known = segments.get(ref.id);
      const row = known
        ? { id: ref.id, name: known.name, filter: known.filter, archived: false }
        : await loader.segment(ref.id);
      if (!row) throw refuse(`Unknown segment ${ref.id}`, base, at);
      if (row.archived) throw refuse(`The segment "${row.name}" is archived`, base, at);
      const nextChain = [...chain, { id: row.id, name: row.name }];
      // The root filter is level 0; a segment it names is level 1, and so on.
      const depth = nextChain.length - (options.self ? 1 : 0);
      if (depth > SEGMENT_LIMITS.maxSegmentDepth) {
        const names = nextChain.map((link) => `"${link.name}"`).join(" → ");
        throw refuse(
          `Segments nest at most ${SEGMENT_LIMITS.maxSegmentDepth} levels deep (${names} goes further)`,
          base,
          at,
        );
      }
      segments.set(row.id, { name: row.name, filter: row.filter });
      for (const key of consentTopics(row.filter)) topicKeys.add(key);
      await walk(row.filter, nextChain, rootPath ?? ref.path);
    }
  };
  await walk(filter, options.self ? [options.self] : [], null);
  const topics = topicKeys.size ? await loader.topicIds([...topicKeys]) : new Map<string, string>();
  return { topics, segments };
}

// ─── SQL building blocks ─────────────────────────────────────────────────────

const TRUE = sql`true`;
const FALSE = sql`false`;

/** The expression, with NULL read as false. */
function strict(expression: SQL): SQL {
  return sql`coalesce(${expression}, false)`;
}

function not(expression: SQL): SQL {
  return sql`(not ${expression})`;
}

function allOf(parts: SQL[]): SQL {
  if (parts.length === 0) return TRUE;
  if (parts.length === 1) return parts[0]!;
  return sql`(${sql.join(parts, sql` and `)})`;
}

function anyOf(parts: SQL[]): SQL {
  if (parts.length === 0) return FALSE;
  if (parts.length === 1) return parts[0]!;
  return sql`(${sql.join(parts, sql` or `)})`;
}

function params(values: readonly unknown[], cast = ""): SQL {
  return sql.join(
    values.map((v) => sql`${v}${sql.raw(cast)}`),
    sql`, `,
  );
}

function cutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

/** Case-insensitive comparisons of a text expression with the condition's value(s). */
function textCondition(expression: SQL, op: SegmentOp, value: unknown): SQL {
  switch (op) {
    case "eq":
      return strict(sql`lower(${expression}) = lower(${value as string}::text)`);
    case "neq":
      return not(textCondition(expression, "eq", value));
    case "contains":
      return strict(sql`strpos(lower(${expression}), lower(${value as string}::text)) > 0`);
    case "not_contains":
      return not(textCondition(expression, "contains", value));
    case "in":
      return strict(
        sql`lower(${expression}) in (${sql.join(
          (value as string[]).map((v) => sql`lower(${v}::text)`),
          sql`, `,
        )})`,
      );
    case "not_in":
      return not(textCondition(expression, "in", value));
    case "exists":
      return sql`(coalesce(${expression}, '') <> '')`;
    case "not_exists":
      return sql`(coalesce(${expression}, '') = '')`;
    default:
      throw new Error(`text operator ${op}`);
  }
}

/** An attribute's value as a number when it is one (a JSON number, or text that reads as a plain decimal); else NULL, never an error. */
function attributeNumber(json: SQL, text: SQL): SQL {
  return sql`(case jsonb_typeof(${json}) when 'number' then (${json})::numeric when 'string' then (case when ${text} ~ '^\\s*-?[0-9]{1,30}(\\.[0-9]{1,30})?\\s*$' then (${text})::numeric end) end)`;
}

/** An attribute's calendar date (`YYYY-MM-DD`, the first ten characters of an ISO 8601 text); else NULL. */
function attributeDay(json: SQL, text: SQL): SQL {
  return sql`(case when jsonb_typeof(${json}) = 'string' and ${text} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' then left(${text}, 10) end)`;
}

const COMPARATORS: Partial<Record<SegmentOp, string>> = { gt: ">", gte: ">=", lt: "<", lte: "<=" };

function attributeCondition(key: string, op: SegmentOp, value: unknown, now: Date): SQL {
  const json = sql`(${contacts.attributes} -> ${key}::text)`;
  const text = sql`(${contacts.attributes} ->> ${key}::text)`;
  const number = attributeNumber(json, text);
  const day = attributeDay(json, text);
  const equals = (one: string | number | boolean): SQL =>
    typeof one === "number"
      ? strict(sql`${number} = ${one}::numeric`)
      : typeof one === "boolean"
        ? strict(sql`lower(${text}) = ${String(one)}::text`)
        : strict(sql`lower(${text}) = lower(${one}::text)`);
  switch (op) {
    case "eq":
      return equals(value as string | number | boolean);
    case "neq":
      return not(equals(value as string | number | boolean));
    case "in":
      return anyOf((value as (string | number)[]).map(equals));
    case "not_in":
      return not(anyOf((value as (string | number)[]).map(equals)));
    case "contains":
      // A list attribute contains the value as an element; text contains it anywhere (ignoring case).
      return strict(
        sql`(case when jsonb_typeof(${json}) = 'array' then ${json} @> jsonb_build_array(${value as string}::text) else strpos(lower(${text}), lower(${value as string}::text)) > 0 end)`,
      );
    case "not_contains":
      return not(attributeCondition(key, "contains", value, now));
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const comparator = sql.raw(COMPARATORS[op]!);
      if (typeof value === "number") return strict(sql`${number} ${comparator} ${value}::numeric`);
      const date = (value as string).slice(0, 10);
      return strict(sql`${day} ${comparator} ${date}::text`);
    }
    case "within_days": {
      const from = cutoff(now, value as number).slice(0, 10);
      const today = now.toISOString().slice(0, 10);
      return strict(sql`(${day} >= ${from}::text and ${day} <= ${today}::text)`);
    }
    case "older_than_days":
      return strict(sql`${day} < ${cutoff(now, value as number).slice(0, 10)}::text`);
    case "exists":
      return strict(sql`(jsonb_typeof(${json}) <> 'null' and ${text} <> '')`);
    case "not_exists":
      return not(attributeCondition(key, "exists", value, now));
    default:
      throw new Error(`attribute operator ${op}`);
  }
}

/**
 * `createdAt` against a date: a bare date is a whole UTC day (`gt 2025-03-01` starts on March 2,
 * `lte 2025-03-01` ends with March 1); a date-time is that instant.
 */
function createdAtCondition(op: SegmentOp, value: unknown, now: Date): SQL {
  const column = contacts.createdAt;
  if (op === "within_days") return sql`(${column} >= ${cutoff(now, value as number)}::timestamptz)`;
  if (op === "older_than_days") return sql`(${column} < ${cutoff(now, value as number)}::timestamptz)`;
  const instant = parseDateValue(value)!;
  const wholeDay = (value as string).length === 10;
  const nextDay = new Date(instant.getTime() + DAY_MS).toISOString();
  const at = instant.toISOString();
  switch (op) {
    case "gt":
      return wholeDay ? sql`(${column} >= ${nextDay}::timestamptz)` : sql`(${column} > ${at}::timestamptz)`;
    case "gte":
      return sql`(${column} >= ${at}::timestamptz)`;
    case "lt":
      return sql`(${column} < ${at}::timestamptz)`;
    case "lte":
      return wholeDay ? sql`(${column} < ${nextDay}::timestamptz)` : sql`(${column} <= ${at}::timestamptz)`;
    default:
      throw new Error(`createdAt operator ${op}`);
  }
}

function consentCondition(
  workspaceId: string,
  topicId: string,
  channel: Channel,
  op: SegmentOp,
  value: unknown,
  now: Date,
): SQL {
  const state = (extra?: SQL) =>
    sql`exists (select 1 from ${consentStates} where ${and(
      eq(consentStates.workspaceId, workspaceId),
      sql`${consentStates.contactId} = ${contacts.id}`,
      eq(consentStates.topicId, topicId),
      eq(consentStates.channel, channel),
      extra,
    )})`;
  const is = (status: SegmentConsentValue): SQL =>
    status === "none" ? not(state()) : state(eq(consentStates.status, status));
  switch (op) {
    case "eq":
      return is(value as SegmentConsentValue);
    case "neq":
      return not(is(value as SegmentConsentValue));
    case "in":
      return anyOf((value as SegmentConsentValue[]).map(is));
    case "not_in":
      return not(anyOf((value as SegmentConsentValue[]).map(is)));
    case "within_days":
      return state(
        sql`${consentStates.status} = 'opted_in' and ${consentStates.occurredAt} >= ${cutoff(now, value as number)}::timestamptz`,
      );
    case "older_than_days":
      return state(
        sql`${consentStates.status} = 'opted_in' and ${consentStates.occurredAt} < ${cutoff(now, value as number)}::timestamptz`,
      );
    default:
      throw new Error(`consent operator ${op}`);
  }
}

/** Messages of this contact: outbound ones the provider accepted, or inbound ones (replies). */
function messageExists(workspaceId: string, kind: "sent" | "reply", extra: SQL[]): SQL {
  return sql`exists (select 1 from ${messages} where ${and(
    eq(messages.workspaceId, workspaceId),
    sql`${messages.contactId} = ${contacts.id}`,
    kind === "sent"
      ? sql`${messages.direction} = 'outbound' and ${messages.kind} <> 'system' and ${messages.status} in (${params(SENT_STATUSES)})`
      : sql`${messages.direction} = 'inbound'`,
    ...extra,
  )})`;
}

function messageTime(kind: "sent" | "reply"): SQL {
  return kind === "sent" ? sql`coalesce(${messages.sentAt}, ${messages.deliveredAt})` : sql`${messages.createdAt}`;
}

function lastMessageCondition(
  workspaceId: string,
  kind: "sent" | "reply",
  channel: Channel | "any",
  op: SegmentOp,
  value: unknown,
  now: Date,
): SQL {
  const onChannel = channel === "any" ? [] : [eq(messages.channel, channel)];
  const recent = (days: number) => sql`${messageTime(kind)} >= ${cutoff(now, days)}::timestamptz`;
  switch (op) {
    case "exists":
      return messageExists(workspaceId, kind, onChannel);
    case "not_exists":
      return not(messageExists(workspaceId, kind, onChannel));
    case "within_days":
      return messageExists(workspaceId, kind, [...onChannel, recent(value as number)]);
    case "older_than_days":
      // The last one is older: there is one, and none since the cutoff.
      return allOf([
        messageExists(workspaceId, kind, onChannel),
        not(messageExists(workspaceId, kind, [...onChannel, recent(value as number)])),
      ]);
    default:
      throw new Error(`message operator ${op}`);
  }
}

/**
 * A person's open or click (tracking events not taken for a machine's) of one of this contact's
 * messages, optionally since a cutoff or of one campaign: one EXISTS over `tracking_events`
 * joined to the contact's messages.
 */
function engaged(workspaceId: string, event: "opened" | "clicked", extra: SQL[]): SQL {
  return sql`exists (select 1 from ${trackingEvents} inner join ${messages} on ${messages.id} = ${trackingEvents.messageId} where ${and(
    eq(messages.workspaceId, workspaceId),
    sql`${messages.contactId} = ${contacts.id}`,
    eq(trackingEvents.workspaceId, workspaceId),
    eq(trackingEvents.kind, event === "opened" ? "open" : "click"),
    eq(trackingEvents.machine, false),
    ...extra,
  )})`;
}

function engagementCondition(
  workspaceId: string,
  event: "opened" | "clicked",
  op: SegmentOp,
  value: unknown,
  now: Date,
): SQL {
  switch (op) {
    case "exists":
      return engaged(workspaceId, event, []);
    case "not_exists":
      return not(engaged(workspaceId, event, []));
    case "within_days":
      return engaged(workspaceId, event, [
        sql`${trackingEvents.occurredAt} >= ${cutoff(now, value as number)}::timestamptz`,
      ]);
    default:
      throw new Error(`engagement operator ${op}`);
  }
}

function campaignCondition(workspaceId: string, op: SegmentOp, campaignId: string): SQL {
  const ofCampaign = [sql`${messages.campaignId} = ${campaignId}::uuid`];
  switch (op) {
    case "sent":
      return messageExists(workspaceId, "sent", ofCampaign);
    case "not_sent":
      return not(messageExists(workspaceId, "sent", ofCampaign));
    case "opened":
      return engaged(workspaceId, "opened", ofCampaign);
    case "not_opened":
      return not(engaged(workspaceId, "opened", ofCampaign));
    case "clicked":
      return engaged(workspaceId, "clicked", ofCampaign);
    case "not_clicked":
      return not(engaged(workspaceId, "clicked", ofCampaign));
    default:
      throw new Error(`campaign operator ${op}`);
  }
}

function addressCondition(
  kind: "email" | "phone",
  op: SegmentOp,
  value: unknown,
  refs: SegmentReferences,
  at: () => AppError,
): SQL {
  const hashColumn = kind === "email" ? contacts.emailHash : contacts.phoneHash;
  const cipherColumn = kind === "email" ? contacts.emailCiphertext : contacts.phoneCiphertext;
  const hash = (one: string) => {
    const h = refs.addressHash(kind, one);
    if (h === null) throw at();
    return h;
  };
  switch (op) {
    case "eq":
      return strict(sql`${hashColumn} = ${hash(value as string)}`);
    case "neq":
      return not(strict(sql`${hashColumn} = ${hash(value as string)}`));
    case "in":
      return strict(sql`${hashColumn} in (${params((value as string[]).map(hash))})`);
    case "not_in":
      return not(strict(sql`${hashColumn} in (${params((value as string[]).map(hash))})`));
    case "exists":
      return sql`(${cipherColumn} is not null)`;
    case "not_exists":
      return sql`(${cipherColumn} is null)`;
    default:
      throw new Error(`address operator ${op}`);
  }
}

function tagsCondition(op: SegmentOp, value: unknown): SQL {
  switch (op) {
    case "contains":
      return sql`(${contacts.tags} @> array[${value as string}::text])`;
    case "not_contains":
      return not(tagsCondition("contains", value));
    case "in":
      return sql`(${contacts.tags} && array[${params(value as string[], "::text")}])`;
    case "exists":
      return sql`(cardinality(${contacts.tags}) > 0)`;
    case "not_exists":
      return sql`(cardinality(${contacts.tags}) = 0)`;
    default:
      throw new Error(`tags operator ${op}`);
  }
}

/** A contact's country: the phone number's, else the `country` attribute (upper-cased). */
export const CONTACT_COUNTRY = sql`coalesce(${contacts.phoneCountry}, upper(${contacts.attributes} ->> 'country'))`;

// ─── Compiler ────────────────────────────────────────────────────────────────

/**
 * The filter as one boolean SQL expression over `contacts` (without the workspace and erasure
 * conditions: `segmentWhere` adds them). INVALID naming the condition (`field` = its path, e.g.
 * `filter.any.1.value`) for what only the workspace's data can refuse: an unknown topic or
 * segment, an address that is not one. The filter must have passed `ZSegmentFilter`.
 */
export function compileSegmentFilter(
  filter: SegmentFilter,
  refs: SegmentReferences,
  options: { field?: string } = {},
): SQL {
  const base = options.field ?? "filter";
  let expanded = 0;

  const condition = (node: SegmentCondition, path: Path, rootPath: Path | null): SQL => {
    expanded += 1;
    if (expanded > MAX_EXPANDED_CONDITIONS) {
      throw refuse(
        `This filter expands to more than ${MAX_EXPANDED_CONDITIONS} conditions through the segments it uses`,
        base,
        rootPath ?? path,
      );
    }
    const where = rootPath ?? path;
    const def = describeField(node.field);
    const parsed = parseField(node.field);
    if (!def || !parsed) throw refuse(`Unknown field "${node.field}"`, base, [...where, "field"]);
    const op = node.op as SegmentOp;
    if (!def.ops.includes(op)) {
      throw refuse(`"${node.field}" does not support "${node.op}": it supports ${def.ops.join(", ")}`, base, [
        ...where,
        "op",
      ]);
    }
    const { value } = node;
    switch (parsed.kind) {
      case "attribute":
        return attributeCondition(parsed.key, op, value, refs.now);
      case "consent": {
        const topicId = refs.topics.get(parsed.topic);
        if (!topicId) throw refuse(`Unknown topic "${parsed.topic}" in "${node.field}"`, base, [...where, "field"]);
        return consentCondition(refs.workspaceId, topicId, parsed.channel, op, value, refs.now);
      }
      case "last_message":
        return lastMessageCondition(refs.workspaceId, "sent", parsed.channel, op, value, refs.now);
      case "static":
        break;
    }
    switch (parsed.field) {
      case "email":
      case "phone": {
        const kind = parsed.field;
        return addressCondition(kind, op, value, refs, () =>
          refuse(kind === "email" ? "email: not a valid email address" : "phone: not a valid phone number", base, [
            ...where,
            "value",
          ]),
        );
      }
      case "firstName":
        return sql`(${contacts.firstNameCiphertext} is ${sql.raw(op === "exists" ? "not null" : "null")})`;
      case "lastName":
        return sql`(${contacts.lastNameCiphertext} is ${sql.raw(op === "exists" ? "not null" : "null")})`;
      case "locale":
        return textCondition(sql`${contacts.locale}`, op, value);
      case "timezone":
        return textCondition(sql`${contacts.timezone}`, op, value);
      case "country":
        return textCondition(CONTACT_COUNTRY, op, value);
      case "tags":
        return tagsCondition(op, value);
      case "createdAt":
        return createdAtCondition(op, value, refs.now);
      case "lastReply":
        return lastMessageCondition(refs.workspaceId, "reply", "any", op, value, refs.now);
      case "opened":
      case "clicked":
        return engagementCondition(refs.workspaceId, parsed.field, op, value, refs.now);
      case "campaign":
        return campaignCondition(refs.workspaceId, op, value as string);
      case "segment": {
        const nested = refs.segments.get(value as string);
        if (!nested) throw refuse(`Unknown segment ${String(value)}`, base, [...where, "value"]);
        const inside = group(nested.filter, [], rootPath ?? path);
        return op === "in" ? inside : not(inside);
      }
      default:
        throw refuse(`Unknown field "${node.field}"`, base, [...where, "field"]);
    }
  };

  const group = (node: SegmentNode, path: Path, rootPath: Path | null): SQL => {
    if (!isGroup(node)) return condition(node, path, rootPath);
    const { mode, members } = groupParts(node);
    const parts = members.map((member, index) => group(member, [...path, mode, index], rootPath));
    return mode === "all" ? allOf(parts) : anyOf(parts);
  };

  return group(filter, [], null);
}

/** The full condition of a segment's members: the workspace's contacts, never erased ones, matching the filter. */
export function segmentWhere(compiled: SQL, workspaceId: string): SQL {
  return sql`(${contacts.workspaceId} = ${workspaceId} and ${contacts.erasedAt} is null and ${compiled})`;
}
