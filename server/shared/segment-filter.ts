/**
 * The segment filter language, shared by the server (validation, the SQL compiler in
 * server/services/segments/compile-segment.ts) and the segment builder in the admin UI.
 *
 * A filter is a tree. A group is `{"all": [...]}` (every member matches) or `{"any": [...]}` (at
 * least one does); groups nest. A condition is `{"field", "op", "value"?}`. The root is a group;
 * an empty root `{"all": []}` matches every contact. The fields, their operators and the value
 * each operator takes are the catalogue below (docs/contract.md, "Segments").
 */
import { z } from "zod";
import { CHANNELS, type Channel } from "./enums";

// ─── Operators ───────────────────────────────────────────────────────────────

export const SEGMENT_OPS = [
  "eq",
  "neq",
  "contains",
  "not_contains",
  "in",
  "not_in",
  "gt",
  "gte",
  "lt",
  "lte",
  "exists",
  "not_exists",
  "within_days",
  "older_than_days",
  "sent",
  "not_sent",
  "opened",
  "not_opened",
  "clicked",
  "not_clicked",
] as const;
export type SegmentOp = (typeof SEGMENT_OPS)[number];

export function isSegmentOp(op: string): op is SegmentOp {
  return (SEGMENT_OPS as readonly string[]).includes(op);
}

/** Consent values a condition on `consent.<topic>.<channel>` compares with; `none` = nothing recorded. */
export const SEGMENT_CONSENT_VALUES = ["opted_in", "opted_out", "pending", "none"] as const;
export type SegmentConsentValue = (typeof SEGMENT_CONSENT_VALUES)[number];

/** Limits that keep a filter readable and its query bounded. */
export const SEGMENT_LIMITS = {
  /** Nesting of groups below the root. */
  maxDepth: 5,
  /** Conditions in the whole tree. */
  maxConditions: 100,
  /** Members of one group. */
  maxGroupSize: 50,
  /** Values of one `in` / `not_in` list. */
  maxListValues: 500,
  /** Length of one text value. */
  maxTextLength: 320,
  /** `within_days` / `older_than_days`: from 1 day to 10 years. */
  maxDays: 3650,
  /** Segments inside segments (`segment in …`), counted from the segment being evaluated. */
  maxSegmentDepth: 5,
} as const;

// ─── Tree ────────────────────────────────────────────────────────────────────

export type SegmentScalar = string | number | boolean;
export type SegmentValue = SegmentScalar | (string | number)[];

export interface SegmentCondition {
  field: string;
  op: string;
  value?: SegmentValue;
}
export interface SegmentAllGroup {
  all: SegmentNode[];
}
export interface SegmentAnyGroup {
  any: SegmentNode[];
}
export type SegmentGroup = SegmentAllGroup | SegmentAnyGroup;
export type SegmentNode = SegmentCondition | SegmentGroup;
/** A whole filter: its root is a group. */
export type SegmentFilter = SegmentGroup;

export function isGroup(node: SegmentNode): node is SegmentGroup {
  return "all" in node || "any" in node;
}

/** The members of a group and how they combine. */
export function groupParts(group: SegmentGroup): { mode: "all" | "any"; members: SegmentNode[] } {
  return "all" in group ? { mode: "all", members: group.all } : { mode: "any", members: group.any };
}

// ─── Field catalogue ─────────────────────────────────────────────────────────

/** How the builder groups the field picker. */
export const SEGMENT_FIELD_GROUPS = ["contact", "consent", "activity", "attributes", "segments"] as const;
export type SegmentFieldGroup = (typeof SEGMENT_FIELD_GROUPS)[number];

export const SEGMENT_FIELD_GROUP_LABELS: Record<SegmentFieldGroup, string> = {
  contact: "Contact",
  consent: "Consent",
  activity: "Activity",
  attributes: "Attributes",
  segments: "Segments",
};

/** What kind of data a field holds: decides its operators, their labels and the value input. */
export type SegmentFieldType =
  | "address"
  | "name"
  | "text"
  | "country"
  | "tags"
  | "date"
  | "attribute"
  | "consent"
  | "last_message"
  | "engagement"
  | "segment"
  | "campaign";

/** What an operator's `value` must be. */
export type SegmentValueKind =
  /** No value (exists, not_exists). */
  | "none"
  | "text"
  | "texts"
  /** An attribute value: text, number or true/false. */
  | "scalar"
  | "scalars"
  /** A number, or a date (YYYY-MM-DD or ISO 8601 date-time). */
  | "comparable"
  | "date"
  /** Whole days, 1–3650. */
  | "days"
  | "consent"
  | "consents"
  /** A segment id of the workspace. */
  | "segment"
  /** A campaign id. */
  | "campaign";

export interface SegmentFieldDefinition {
  /** The field as written in a condition, e.g. `email`, `attributes.plan`, `consent.newsletter.email`. */
  field: string;
  label: string;
  group: SegmentFieldGroup;
  type: SegmentFieldType;
  ops: readonly SegmentOp[];
  description: string;
}

const TEXT_OPS = ["eq", "neq", "contains", "not_contains", "in", "not_in", "exists", "not_exists"] as const;

/** Operators per field type, in the order the builder offers them. */
export const SEGMENT_OPS_BY_TYPE: Record<SegmentFieldType, readonly SegmentOp[]> = {
  address: ["eq", "neq", "in", "not_in", "exists", "not_exists"],
  // Names are encrypted: equality needs a search index, presence does not.
  name: ["exists", "not_exists"],
  text: TEXT_OPS,
  country: ["eq", "neq", "in", "not_in", "exists", "not_exists"],
  tags: ["contains", "not_contains", "in", "exists", "not_exists"],
  date: ["gt", "gte", "lt", "lte", "within_days", "older_than_days"],
  attribute: [
    "eq",
    "neq",
    "contains",
    "not_contains",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "within_days",
    "older_than_days",
    "exists",
    "not_exists",
  ],
  consent: ["eq", "neq", "in", "not_in", "within_days", "older_than_days"],
  last_message: ["within_days", "older_than_days", "exists", "not_exists"],
  engagement: ["within_days", "exists", "not_exists"],
  segment: ["in", "not_in"],
  campaign: ["sent", "not_sent", "opened", "not_opened", "clicked", "not_clicked"],
};

interface StaticField {
  label: string;
  group: SegmentFieldGroup;
  type: SegmentFieldType;
  description: string;
}

/** Fields with a fixed name. */
const STATIC_FIELDS: Record<string, StaticField> = {
  email: {
    label: "Email",
    group: "contact",
    type: "address",
    description: "The contact's email address (whole address, case-insensitive)",
  },
  phone: {
    label: "Phone",
    group: "contact",
    type: "address",
    description: "The contact's phone number, in any format (read with the workspace's default region)",
  },
  firstName: { label: "First name", group: "contact", type: "name", description: "Whether a first name is known" },
  lastName: { label: "Last name", group: "contact", type: "name", description: "Whether a last name is known" },
  locale: { label: "Locale", group: "contact", type: "text", description: "BCP 47 locale such as en-US" },
  timezone: { label: "Time zone", group: "contact", type: "text", description: "IANA time zone" },
  country: {
    label: "Country",
    group: "contact",
    type: "country",
    description: "Two-letter country of the phone number, else the `country` attribute",
  },
  tags: { label: "Tags", group: "contact", type: "tags", description: "The contact's tags (exact, case-sensitive)" },
  createdAt: { label: "Created", group: "contact", type: "date", description: "When the contact was created" },
  lastReply: {
    label: "Last reply",
    group: "activity",
    type: "last_message",
    description: "The last message received from the contact (an inbound text)",
  },
  campaign: {
    label: "Campaign",
    group: "activity",
    type: "campaign",
    description: "Whether a campaign's message was sent to the contact, and whether they opened it or clicked in it",
  },
  opened: {
    label: "Opened an email",
    group: "activity",
    type: "engagement",
    description: "A person's open of an email (the open pixel, or the provider's report; machine opens left out)",
  },
  clicked: {
    label: "Clicked a link",
    group: "activity",
    type: "engagement",
    description: "A person's click on a tracked link of an email or SMS (machine clicks left out)",
  },
  segment: {
    label: "Segment",
    group: "segments",
    type: "segment",
    description: "Membership of another segment of the workspace",
  },
};

/** `lastMessage.<channel>` takes a channel or `any`. */
export const LAST_MESSAGE_CHANNELS = ["any", ...CHANNELS] as const;
export type LastMessageChannel = (typeof LAST_MESSAGE_CHANNELS)[number];

export const SEGMENT_CHANNEL_LABELS: Record<LastMessageChannel, string> = {
  any: "any channel",
  email: "email",
  sms: "SMS",
};

/** Topic keys as topics define them (letters, digits, - and _). */
const TOPIC_KEY = /^[A-Za-z0-9_-]{1,64}$/;
export const ATTRIBUTE_KEY_MAX = 64;

/** A field name split into its family and its parameters. */
export type ParsedField =
  | { kind: "static"; field: string }
  | { kind: "attribute"; key: string }
  | { kind: "consent"; topic: string; channel: Channel }
  | { kind: "last_message"; channel: LastMessageChannel };

/** Reads a field name; null when it names no field. */
export function parseField(field: string): ParsedField | null {
  if (Object.hasOwn(STATIC_FIELDS, field)) return { kind: "static", field };
  if (field.startsWith("attributes.")) {
    const key = field.slice("attributes.".length);
    return key.length > 0 && key.length <= ATTRIBUTE_KEY_MAX ? { kind: "attribute", key } : null;
  }
  if (field.startsWith("consent.")) {
    const parts = field.split(".");
    const topic = parts[1] ?? "";
    const channel = parts[2] ?? "";
    if (parts.length !== 3 || !TOPIC_KEY.test(topic) || !(CHANNELS as readonly string[]).includes(channel)) return null;
    return { kind: "consent", topic, channel: channel as Channel };
  }
  if (field.startsWith("lastMessage.")) {
    const channel = field.slice("lastMessage.".length);
    return (LAST_MESSAGE_CHANNELS as readonly string[]).includes(channel)
      ? { kind: "last_message", channel: channel as LastMessageChannel }
      : null;
  }
  return null;
}

/** The definition of a field as written in a condition; null when unknown. */
export function describeField(field: string, topicNames?: Record<string, string>): SegmentFieldDefinition | null {
  const parsed = parseField(field);
  if (!parsed) return null;
  switch (parsed.kind) {
    case "static": {
      const def = STATIC_FIELDS[parsed.field]!;
      return { field, ...def, ops: SEGMENT_OPS_BY_TYPE[def.type] };
    }
    case "attribute":
      return {
        field,
        label: parsed.key,
        group: "attributes",
        type: "attribute",
        ops: SEGMENT_OPS_BY_TYPE.attribute,
        description: `The custom attribute "${parsed.key}": text, number, true/false or a date`,
      };
    case "consent": {
      const topic = topicNames?.[parsed.topic] ?? parsed.topic;
      return {
        field,
        label: `${topic} (${parsed.channel === "sms" ? "SMS" : "email"})`,
        group: "consent",
        type: "consent",
        ops: SEGMENT_OPS_BY_TYPE.consent,
        description: `Consent to "${topic}" by ${parsed.channel === "sms" ? "SMS" : "email"}`,
      };
    }
    case "last_message":
      return {
        field,
        label: `Last message (${SEGMENT_CHANNEL_LABELS[parsed.channel]})`,
        group: "activity",
        type: "last_message",
        ops: SEGMENT_OPS_BY_TYPE.last_message,
        description: `The last message sent to the contact on ${SEGMENT_CHANNEL_LABELS[parsed.channel]}`,
      };
  }
}

/** The fixed fields and the parameterised families, as the builder's picker lists them. */
export function segmentFieldCatalogue(options: {
  topics: { key: string; name: string; channels: readonly Channel[] }[];
  attributeKeys: string[];
}): SegmentFieldDefinition[] {
  const names = Object.fromEntries(options.topics.map((t) => [t.key, t.name]));
  const fields: string[] = [
    "email",
    "phone",
    "firstName",
    "lastName",
    "locale",
    "timezone",
    "country",
    "tags",
    "createdAt",
    ...options.topics.flatMap((t) => t.channels.map((channel) => `consent.${t.key}.${channel}`)),
    ...LAST_MESSAGE_CHANNELS.map((channel) => `lastMessage.${channel}`),
    "lastReply",
    "opened",
    "clicked",
    "campaign",
    ...options.attributeKeys.map((key) => `attributes.${key}`),
    "segment",
  ];
  return fields.map((f) => describeField(f, names)).filter((d): d is SegmentFieldDefinition => d !== null);
}

/** The field names a message may suggest (families written with their placeholder). */
export const SEGMENT_FIELD_NAMES = [
  ...Object.keys(STATIC_FIELDS),
  "attributes.<key>",
  "consent.<topicKey>.<email|sms>",
  "lastMessage.<any|email|sms>",
];

/** The value an operator takes on a field of this type. */
export function valueKind(type: SegmentFieldType, op: SegmentOp): SegmentValueKind {
  if (op === "exists" || op === "not_exists") return "none";
  if (op === "within_days" || op === "older_than_days") return "days";
  switch (type) {
    case "segment":
      return "segment";
    case "campaign":
      return "campaign";
    case "consent":
      return op === "in" || op === "not_in" ? "consents" : "consent";
    case "date":
      return "date";
    case "attribute":
      if (op === "in" || op === "not_in") return "scalars";
      if (op === "contains" || op === "not_contains") return "text";
      if (op === "gt" || op === "gte" || op === "lt" || op === "lte") return "comparable";
      return "scalar";
    default:
      return op === "in" || op === "not_in" ? "texts" : "text";
  }
}

/** How the builder reads an operator on a field of this type (`is`, `has tag`, `in the last`…). */
export function opLabel(type: SegmentFieldType, op: SegmentOp): string {
  if (type === "tags") {
    const labels: Partial<Record<SegmentOp, string>> = {
      contains: "has tag",
      not_contains: "does not have tag",
      in: "has any of",
      exists: "has any tag",
      not_exists: "has no tags",
    };
    if (labels[op]) return labels[op];
  }
  if (type === "segment") return op === "in" ? "is in" : "is not in";
  if (type === "campaign") {
    const labels: Partial<Record<SegmentOp, string>> = {
      sent: "was sent",
      not_sent: "was not sent",
      opened: "opened",
      not_opened: "did not open",
      clicked: "clicked in",
      not_clicked: "did not click in",
    };
    if (labels[op]) return labels[op];
  }
  if (type === "consent") {
    if (op === "within_days") return "opted in within the last";
    if (op === "older_than_days") return "opted in more than";
  }
  if (type === "last_message" || type === "engagement") {
    const labels: Partial<Record<SegmentOp, string>> = {
      within_days: "in the last",
      older_than_days: "more than",
      exists: "ever",
      not_exists: "never",
    };
    if (labels[op]) return labels[op];
  }
  const dated = type === "date";
  const labels: Record<SegmentOp, string> = {
    eq: "is",
    neq: "is not",
    contains: "contains",
    not_contains: "does not contain",
    in: "is any of",
    not_in: "is none of",
    gt: dated ? "is after" : "is greater than",
    gte: dated ? "is on or after" : "is at least",
    lt: dated ? "is before" : "is less than",
    lte: dated ? "is on or before" : "is at most",
    exists: "is set",
    not_exists: "is not set",
    within_days: "is within the last",
    older_than_days: "is more than",
    sent: "was sent",
    not_sent: "was not sent",
    opened: "opened",
    not_opened: "did not open",
    clicked: "clicked in",
    not_clicked: "did not click in",
  };
  return labels[op];
}

// ─── Values ──────────────────────────────────────────────────────────────────

/** `YYYY-MM-DD`, or an ISO 8601 date-time with a zone (`Z` or `±hh:mm`). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A date value as an instant (a bare date is midnight UTC); null when it is not one. */
export function parseDateValue(value: unknown): Date | null {
  if (typeof value !== "string" || !(ISO_DATE.test(value) || ISO_DATE_TIME.test(value))) return null;
  // The calendar date must exist: 2025-02-30 would otherwise roll over into March.
  const day = value.slice(0, 10);
  const midnight = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(midnight.getTime()) || midnight.toISOString().slice(0, 10) !== day) return null;
  const date = ISO_DATE.test(value) ? midnight : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

function isText(value: unknown): value is string {
  return typeof value === "string" && value.trim().length > 0 && value.length <= SEGMENT_LIMITS.maxTextLength;
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function list(value: unknown, item: (v: unknown) => boolean): boolean {
  return Array.isArray(value) && value.length > 0 && value.length <= SEGMENT_LIMITS.maxListValues && value.every(item);
}

/** Why `value` does not fit `kind`; null when it does. */
export function valueProblem(kind: SegmentValueKind, value: unknown): string | null {
  if (kind === "none") return value === undefined ? null : "This operator takes no value";
  if (value === undefined || value === null || value === "") return "Enter a value";
  switch (kind) {
    case "text":
      return isText(value) ? null : `Enter text of at most ${SEGMENT_LIMITS.maxTextLength} characters`;
    case "texts":
      return list(value, isText) ? null : `Enter 1 to ${SEGMENT_LIMITS.maxListValues} values`;
    case "scalar":
      return isText(value) || isNumber(value) || typeof value === "boolean"
        ? null
        : "Enter text, a number or true/false";
    case "scalars":
      return list(value, (v) => isText(v) || isNumber(v)) ? null : `Enter 1 to ${SEGMENT_LIMITS.maxListValues} values`;
    case "comparable":
      return isNumber(value) || parseDateValue(value) ? null : "Enter a number or a date (YYYY-MM-DD)";
    case "date":
      return parseDateValue(value) ? null : "Enter a date (YYYY-MM-DD) or an ISO 8601 date-time";
    case "days":
      return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= SEGMENT_LIMITS.maxDays
        ? null
        : `Enter a whole number of days from 1 to ${SEGMENT_LIMITS.maxDays}`;
    case "consent":
      return (SEGMENT_CONSENT_VALUES as readonly unknown[]).includes(value)
        ? null
        : `Use one of ${SEGMENT_CONSENT_VALUES.join(", ")}`;
    case "consents":
      return list(value, (v) => (SEGMENT_CONSENT_VALUES as readonly unknown[]).includes(v))
        ? null
        : `Use a list of ${SEGMENT_CONSENT_VALUES.join(", ")}`;
    case "segment":
      return typeof value === "string" && UUID.test(value) ? null : "Choose a segment (its id)";
    case "campaign":
      return typeof value === "string" && UUID.test(value) ? null : "Give a campaign id";
  }
}

// ─── Validation ──────────────────────────────────────────────────────────────

export interface SegmentFilterIssue {
  /** Path from the filter's root, e.g. `["all", 1, "any", 0, "op"]`. */
  path: (string | number)[];
  message: string;
}

/** Why a condition is refused (unknown field, operator the field does not take, bad value). */
export function conditionIssues(condition: SegmentCondition): SegmentFilterIssue[] {
  const def = describeField(condition.field);
  if (!def) {
    return [
      {
        path: ["field"],
        message: `Unknown field "${condition.field}": use one of ${SEGMENT_FIELD_NAMES.join(", ")}`,
      },
    ];
  }
  if (!isSegmentOp(condition.op)) {
    return [
      {
        path: ["op"],
        message: `Unknown operator "${condition.op}" on "${condition.field}": it supports ${def.ops.join(", ")}`,
      },
    ];
  }
  if (!def.ops.includes(condition.op)) {
    return [
      {
        path: ["op"],
        message: `"${condition.field}" does not support "${condition.op}": it supports ${def.ops.join(", ")}`,
      },
    ];
  }
  const problem = valueProblem(valueKind(def.type, condition.op), condition.value);
  return problem ? [{ path: ["value"], message: `${condition.field} ${condition.op}: ${problem}` }] : [];
}

/** Every problem of a filter's tree, with its path; empty when the filter is valid. */
export function filterIssues(filter: SegmentFilter): SegmentFilterIssue[] {
  const issues: SegmentFilterIssue[] = [];
  let conditions = 0;
  const visit = (node: SegmentNode, path: (string | number)[], depth: number, root: boolean) => {
    if (!isGroup(node)) {
      conditions += 1;
      for (const issue of conditionIssues(node)) issues.push({ ...issue, path: [...path, ...issue.path] });
      return;
    }
    const { mode, members } = groupParts(node);
    if (depth > SEGMENT_LIMITS.maxDepth) {
      issues.push({ path, message: `Groups nest at most ${SEGMENT_LIMITS.maxDepth} levels deep` });
      return;
    }
    if (members.length === 0 && !(root && mode === "all")) {
      issues.push({ path: [...path, mode], message: "Add a condition to this group, or remove it" });
    }
    if (members.length > SEGMENT_LIMITS.maxGroupSize) {
      issues.push({ path: [...path, mode], message: `A group holds at most ${SEGMENT_LIMITS.maxGroupSize} members` });
    }
    members.forEach((member, index) => visit(member, [...path, mode, index], depth + 1, false));
  };
  visit(filter, [], 0, true);
  if (conditions > SEGMENT_LIMITS.maxConditions) {
    issues.push({ path: [], message: `A filter holds at most ${SEGMENT_LIMITS.maxConditions} conditions` });
  }
  return issues;
}

// ─── Schemas ─────────────────────────────────────────────────────────────────

const ZSegmentValue = z
  .union([
    z.string().max(SEGMENT_LIMITS.maxTextLength),
    z.number(),
    z.boolean(),
    z.array(z.union([z.string().max(SEGMENT_LIMITS.maxTextLength), z.number()])).max(SEGMENT_LIMITS.maxListValues),
  ])
  .describe(
    "The value compared with: text, a number, true/false, a list (for in / not_in), a number of days (within_days, older_than_days), a date (YYYY-MM-DD or ISO 8601), or an id (segment, campaign); absent for exists / not_exists",
  );

export const ZSegmentCondition = z
  .strictObject({
    field: z
      .string()
      .min(1)
      .max(200)
      .describe(
        "email, phone, firstName, lastName, locale, timezone, country, tags, createdAt, attributes.<key>, consent.<topicKey>.<email|sms>, lastMessage.<any|email|sms>, lastReply, opened, clicked, campaign, segment",
      ),
    op: z
      .string()
      .min(1)
      .max(40)
      .describe(
        "eq, neq, contains, not_contains, in, not_in, gt, gte, lt, lte, exists, not_exists, within_days, older_than_days, sent, not_sent, opened, not_opened, clicked, not_clicked (which ones a field takes: docs/contract.md, Segments)",
      ),
    value: ZSegmentValue.optional(),
  })
  .describe("A condition on one field of the contact")
  .meta({ id: "SegmentCondition" });

/** One node of the tree: a condition or a nested group. */
export const ZSegmentNode: z.ZodType<SegmentNode, SegmentNode> = z
  .lazy(() => z.union([ZSegmentCondition, ZAllGroup, ZAnyGroup]))
  .meta({ id: "SegmentFilterNode", description: "A condition, or a nested group" });

const ZAllGroup: z.ZodType<SegmentAllGroup, SegmentAllGroup> = z
  .strictObject({
    all: z.array(ZSegmentNode).max(SEGMENT_LIMITS.maxGroupSize).describe("Every member must match (AND)"),
  })
  .describe("A group whose members must all match")
  .meta({ id: "SegmentAllGroup" });

const ZAnyGroup: z.ZodType<SegmentAnyGroup, SegmentAnyGroup> = z
  .strictObject({
    any: z.array(ZSegmentNode).max(SEGMENT_LIMITS.maxGroupSize).describe("At least one member must match (OR)"),
  })
  .describe("A group of which at least one member must match")
  .meta({ id: "SegmentAnyGroup" });

/** A filter's shape only (a stored filter, as answered); `ZSegmentFilter` checks it against the catalogue too. */
export const ZSegmentFilterShape = z
  .union([ZAllGroup, ZAnyGroup])
  .describe(
    'The filter tree: a group {"all": [...]} (AND) or {"any": [...]} (OR) of conditions {"field", "op", "value"} and nested groups',
  );

/**
 * A whole filter, checked against the catalogue: an unknown field or operator, an operator the
 * field does not take or a value of the wrong kind is refused with its path
 * (e.g. `filter.all.1.op`) and a message naming the field.
 */
export const ZSegmentFilter = z
  .union([ZAllGroup, ZAnyGroup])
  .superRefine((filter, ctx) => {
    for (const issue of filterIssues(filter))
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  })
  .describe(
    'The filter tree: a group {"all": [...]} (AND) or {"any": [...]} (OR) of conditions {"field", "op", "value"} and nested groups; {"all": []} matches every contact',
  );

/** A filter that matches every contact: where a new segment starts. */
export const EMPTY_SEGMENT_FILTER: SegmentFilter = { all: [] };

/** Every segment id a filter refers to (`segment in/not_in`), with the path of its condition. */
export function referencedSegments(filter: SegmentFilter): { id: string; path: (string | number)[] }[] {
  const found: { id: string; path: (string | number)[] }[] = [];
  const visit = (node: SegmentNode, path: (string | number)[]) => {
    if (isGroup(node)) {
      const { mode, members } = groupParts(node);
      members.forEach((member, index) => visit(member, [...path, mode, index]));
    } else if (node.field === "segment" && typeof node.value === "string") {
      found.push({ id: node.value, path });
    }
  };
  visit(filter, []);
  return found;
}
