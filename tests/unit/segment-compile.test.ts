import { PgDialect } from "drizzle-orm/pg-core";
import type { SQL } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { AppError } from "@/server/lib/errors";
import {
  compileSegmentFilter,
  MAX_EXPANDED_CONDITIONS,
  resolveSegmentReferences,
  segmentWhere,
  type ReferenceLoader,
  type SegmentReferences,
} from "@/server/services/segments/compile-segment";
import {
  describeField,
  filterIssues,
  opLabel,
  parseDateValue,
  SEGMENT_OPS_BY_TYPE,
  valueKind,
  ZSegmentFilter,
  type SegmentCondition,
  type SegmentFilter,
} from "@/server/shared/segment-filter";

/**
 * The pure half of segments: the filter language (catalogue, validation) and the compiler from a
 * filter to one SQL condition, rendered with drizzle's PostgreSQL dialect and never run here
 * (tests/integration/segments.test.ts runs them against contacts).
 */

const dialect = new PgDialect();
const render = (query: SQL) => dialect.sqlToQuery(query);

const WS = "00000000-0000-4000-8000-000000000001";
const NEWSLETTER = "00000000-0000-4000-8000-000000000002";
const SEG_A = "00000000-0000-4000-8000-00000000000a";
const SEG_B = "00000000-0000-4000-8000-00000000000b";
const SEG_C = "00000000-0000-4000-8000-00000000000c";
const CAMPAIGN = "00000000-0000-4000-8000-0000000000ca";
const NOW = new Date("2026-06-15T12:00:00Z");

function refs(overrides: Partial<SegmentReferences> = {}): SegmentReferences {
  return {
    workspaceId: WS,
    now: NOW,
    topics: new Map([["newsletter", NEWSLETTER]]),
    segments: new Map(),
    addressHash: (kind, value) => (kind === "email" && !value.includes("@") ? null : `hash(${kind}:${value})`),
    ...overrides,
  };
}

const only = (condition: SegmentCondition): SegmentFilter => ({ all: [condition] });

function compile(condition: SegmentCondition, r = refs()) {
  return render(compileSegmentFilter(only(condition), r));
}

function refusal(work: () => unknown): AppError {
  try {
    work();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

async function asyncRefusal(work: () => Promise<unknown>): Promise<AppError> {
  try {
    await work();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

/** A marker no SQL keyword contains: wherever it lands, it must be a parameter. */
const MARK = "Zq9'mark";

describe("compiling conditions: every value is a bound parameter", () => {
  const cases: { condition: SegmentCondition; params: unknown[]; sql: RegExp }[] = [
    {
      condition: { field: "email", op: "eq", value: "ann@example.com" },
      params: ["hash(email:ann@example.com)"],
      sql: /"email_hash" = \$1/,
    },
    {
      condition: { field: "email", op: "neq", value: "ann@example.com" },
      params: ["hash(email:ann@example.com)"],
      sql: /not coalesce/,
    },
    {
      condition: { field: "phone", op: "in", value: ["+14155550100", "+14155550101"] },
      params: ["hash(phone:+14155550100)", "hash(phone:+14155550101)"],
      sql: /"phone_hash" in \(\$1, \$2\)/,
    },
    { condition: { field: "email", op: "exists" }, params: [], sql: /"email_ciphertext" is not null/ },
    { condition: { field: "phone", op: "not_exists" }, params: [], sql: /"phone_ciphertext" is null/ },
    { condition: { field: "firstName", op: "exists" }, params: [], sql: /"first_name_ciphertext" is not null/ },
    { condition: { field: "lastName", op: "not_exists" }, params: [], sql: /"last_name_ciphertext" is null/ },
    {
      condition: { field: "locale", op: "eq", value: MARK },
      params: [MARK],
      sql: /lower\("contacts"\."locale"\) = lower\(\$1::text\)/,
    },
    {
      condition: { field: "timezone", op: "contains", value: MARK },
      params: [MARK],
      sql: /strpos\(lower\("contacts"\."timezone"\), lower\(\$1::text\)\) > 0/,
    },
    { condition: { field: "locale", op: "not_contains", value: MARK }, params: [MARK], sql: /not coalesce\(strpos/ },
    {
      condition: { field: "locale", op: "in", value: [MARK, "fr"] },
      params: [MARK, "fr"],
      sql: /in \(lower\(\$1::text\), lower\(\$2::text\)\)/,
    },
    { condition: { field: "locale", op: "not_in", value: [MARK] }, params: [MARK], sql: /\(not coalesce\(lower/ },
    { condition: { field: "timezone", op: "exists" }, params: [], sql: /coalesce\("contacts"\."timezone", ''\) <> ''/ },
    {
      condition: { field: "country", op: "eq", value: "ca" },
      params: ["ca"],
      sql: /coalesce\("contacts"\."phone_country", upper\("contacts"\."attributes" ->> 'country'\)\)/,
    },
    {
      condition: { field: "country", op: "in", value: ["US", "CA"] },
      params: ["US", "CA"],
      sql: /in \(lower\(\$1::text\), lower\(\$2::text\)\)/,
    },
    {
      condition: { field: "tags", op: "contains", value: MARK },
      params: [MARK],
      sql: /"contacts"\."tags" @> array\[\$1::text\]/,
    },
    {
      condition: { field: "tags", op: "not_contains", value: MARK },
      params: [MARK],
      sql: /\(not \("contacts"\."tags" @>/,
    },
    {
      condition: { field: "tags", op: "in", value: [MARK, "b"] },
      params: [MARK, "b"],
      sql: /"contacts"\."tags" && array\[\$1::text, \$2::text\]/,
    },
    { condition: { field: "tags", op: "exists" }, params: [], sql: /cardinality\("contacts"\."tags"\) > 0/ },
    { condition: { field: "tags", op: "not_exists" }, params: [], sql: /cardinality\("contacts"\."tags"\) = 0/ },
    {
      condition: { field: "createdAt", op: "gt", value: "2026-03-01" },
      params: ["2026-03-02T00:00:00.000Z"],
      sql: /"created_at" >= \$1::timestamptz/,
    },
    {
      condition: { field: "createdAt", op: "gte", value: "2026-03-01T08:30:00Z" },
      params: ["2026-03-01T08:30:00.000Z"],
      sql: /"created_at" >= \$1::timestamptz/,
    },
    {
      condition: { field: "createdAt", op: "lt", value: "2026-03-01" },
      params: ["2026-03-01T00:00:00.000Z"],
      sql: /"created_at" < \$1::timestamptz/,
    },
    {
      condition: { field: "createdAt", op: "lte", value: "2026-03-01" },
      params: ["2026-03-02T00:00:00.000Z"],
      sql: /"created_at" < \$1::timestamptz/,
    },
    {
      condition: { field: "createdAt", op: "within_days", value: 30 },
      params: ["2026-05-16T12:00:00.000Z"],
      sql: /"created_at" >= \$1::timestamptz/,
    },
    {
      condition: { field: "createdAt", op: "older_than_days", value: 1 },
      params: ["2026-06-14T12:00:00.000Z"],
      sql: /"created_at" < \$1::timestamptz/,
    },
    // Attribute cases list their parameters without the key (a parameter of its own, checked below).
    {
      condition: { field: "attributes.plan", op: "eq", value: MARK },
      params: [MARK],
      sql: /lower\(\("contacts"\."attributes" ->> \$\d+::text\)\) = lower\(\$\d+::text\)/,
    },
    { condition: { field: "attributes.seats", op: "eq", value: 5 }, params: [5], sql: /= \$\d+::numeric/ },
    { condition: { field: "attributes.vip", op: "eq", value: true }, params: ["true"], sql: /\) = \$\d+::text/ },
    { condition: { field: "attributes.plan", op: "neq", value: MARK }, params: [MARK], sql: /\(not coalesce/ },
    { condition: { field: "attributes.plan", op: "in", value: [MARK, 3] }, params: [MARK, 3], sql: / or / },
    { condition: { field: "attributes.plan", op: "not_in", value: [MARK] }, params: [MARK], sql: /\(not coalesce/ },
    {
      condition: { field: "attributes.tier", op: "contains", value: MARK },
      params: [MARK, MARK],
      sql: /jsonb_build_array\(\$\d+::text\)/,
    },
    {
      condition: { field: "attributes.tier", op: "not_contains", value: MARK },
      params: [MARK, MARK],
      sql: /\(not coalesce\(\(case when jsonb_typeof/,
    },
    { condition: { field: "attributes.seats", op: "gt", value: 10 }, params: [10], sql: /\) > \$\d+::numeric/ },
    { condition: { field: "attributes.seats", op: "lt", value: 2.5 }, params: [2.5], sql: /\) < \$\d+::numeric/ },
    {
      condition: { field: "attributes.renewal", op: "gte", value: "2026-07-01T09:00:00Z" },
      params: ["2026-07-01"],
      sql: />= \$\d+::text/,
    },
    {
      condition: { field: "attributes.renewal", op: "lte", value: "2026-07-01" },
      params: ["2026-07-01"],
      sql: /<= \$\d+::text/,
    },
    {
      condition: { field: "attributes.renewal", op: "within_days", value: 7 },
      params: ["2026-06-08", "2026-06-15"],
      sql: />= \$\d+::text and .* <= \$\d+::text/,
    },
    {
      condition: { field: "attributes.renewal", op: "older_than_days", value: 7 },
      params: ["2026-06-08"],
      sql: /< \$\d+::text/,
    },
    { condition: { field: "attributes.plan", op: "exists" }, params: [], sql: /jsonb_typeof/ },
    { condition: { field: "attributes.plan", op: "not_exists" }, params: [], sql: /\(not coalesce/ },
    {
      condition: { field: "email", op: "not_in", value: ["a@b.co"] },
      params: ["hash(email:a@b.co)"],
      sql: /\(not coalesce\("contacts"\."email_hash" in/,
    },
    { condition: { field: "timezone", op: "neq", value: MARK }, params: [MARK], sql: /\(not coalesce\(lower/ },
    { condition: { field: "locale", op: "not_exists" }, params: [], sql: /coalesce\("contacts"\."locale", ''\) = ''/ },
    {
      condition: { field: "country", op: "neq", value: "US" },
      params: ["US"],
      sql: /\(not coalesce\(lower\(coalesce\("contacts"\."phone_country"/,
    },
    { condition: { field: "country", op: "not_in", value: ["US"] }, params: ["US"], sql: /\(not coalesce/ },
    { condition: { field: "country", op: "exists" }, params: [], sql: /<> ''/ },
    { condition: { field: "country", op: "not_exists" }, params: [], sql: /= ''/ },
    {
      condition: { field: "consent.newsletter.email", op: "not_in", value: ["opted_in"] },
      params: [WS, NEWSLETTER, "email", "opted_in"],
      sql: /\(not exists/,
    },
    {
      condition: { field: "consent.newsletter.email", op: "eq", value: "opted_in" },
      params: [WS, NEWSLETTER, "email", "opted_in"],
      sql: /exists \(select 1 from "consent_states"/,
    },
    {
      condition: { field: "consent.newsletter.email", op: "eq", value: "none" },
      params: [WS, NEWSLETTER, "email"],
      sql: /\(not exists \(select 1 from "consent_states"/,
    },
    {
      condition: { field: "consent.newsletter.sms", op: "neq", value: "opted_out" },
      params: [WS, NEWSLETTER, "sms", "opted_out"],
      sql: /\(not exists/,
    },
    {
      condition: { field: "consent.newsletter.email", op: "in", value: ["opted_out", "none"] },
      params: [WS, NEWSLETTER, "email", "opted_out", WS, NEWSLETTER, "email"],
      sql: / or /,
    },
    {
      condition: { field: "consent.newsletter.email", op: "within_days", value: 30 },
      params: [WS, NEWSLETTER, "email", "2026-05-16T12:00:00.000Z"],
      sql: /"occurred_at" >= \$4::timestamptz/,
    },
    {
      condition: { field: "consent.newsletter.email", op: "older_than_days", value: 365 },
      params: [WS, NEWSLETTER, "email", "2025-06-15T12:00:00.000Z"],
      sql: /"occurred_at" < \$4::timestamptz/,
    },
    {
      condition: { field: "lastMessage.any", op: "within_days", value: 7 },
      params: [WS, "sent", "delivered", "complained", "2026-06-08T12:00:00.000Z"],
      sql: /from "messages"/,
    },
    {
      condition: { field: "lastMessage.sms", op: "older_than_days", value: 7 },
      params: [
        WS,
        "sent",
        "delivered",
        "complained",
        "sms",
        WS,
        "sent",
        "delivered",
        "complained",
        "sms",
        "2026-06-08T12:00:00.000Z",
      ],
      sql: /\(not exists/,
    },
    {
      condition: { field: "lastMessage.email", op: "exists" },
      params: [WS, "sent", "delivered", "complained", "email"],
      sql: /'outbound'/,
    },
    {
      condition: { field: "lastReply", op: "within_days", value: 3 },
      params: [WS, "2026-06-12T12:00:00.000Z"],
      sql: /'inbound'/,
    },
    { condition: { field: "lastReply", op: "not_exists" }, params: [WS], sql: /\(not exists/ },
    {
      condition: { field: "campaign", op: "sent", value: CAMPAIGN },
      params: [WS, "sent", "delivered", "complained", CAMPAIGN],
      sql: /"campaign_id" = \$5::uuid/,
    },
    {
      condition: { field: "campaign", op: "not_sent", value: CAMPAIGN },
      params: [WS, "sent", "delivered", "complained", CAMPAIGN],
      sql: /\(not exists/,
    },
    {
      condition: { field: "opened", op: "within_days", value: 14 },
      params: [WS, WS, "open", false, "2026-06-01T12:00:00.000Z"],
      sql: /from "tracking_events" inner join "messages"/,
    },
    {
      condition: { field: "clicked", op: "exists" },
      params: [WS, WS, "click", false],
      sql: /"tracking_events"\."kind" = \$3 and "tracking_events"\."machine" = \$4/,
    },
    { condition: { field: "opened", op: "not_exists" }, params: [WS, WS, "open", false], sql: /\(not exists/ },
    {
      condition: { field: "campaign", op: "opened", value: CAMPAIGN },
      params: [WS, WS, "open", false, CAMPAIGN],
      sql: /from "tracking_events" inner join "messages".*"campaign_id" = \$5::uuid/,
    },
    {
      condition: { field: "campaign", op: "not_opened", value: CAMPAIGN },
      params: [WS, WS, "open", false, CAMPAIGN],
      sql: /\(not exists \(select 1 from "tracking_events"/,
    },
    {
      condition: { field: "campaign", op: "clicked", value: CAMPAIGN },
      params: [WS, WS, "click", false, CAMPAIGN],
      sql: /"tracking_events"\."kind" = \$3/,
    },
    {
      condition: { field: "campaign", op: "not_clicked", value: CAMPAIGN },
      params: [WS, WS, "click", false, CAMPAIGN],
      sql: /\(not exists/,
    },
  ];

  it.each(cases.map((c) => [`${c.condition.field} ${c.condition.op}`, c] as const))("%s", (_label, c) => {
    expect(ZSegmentFilter.safeParse(only(c.condition)).success).toBe(true);
    const query = compile(c.condition);
    const key = c.condition.field.startsWith("attributes.") ? c.condition.field.slice("attributes.".length) : null;
    if (key) expect(query.params).toContain(key);
    expect(query.params.filter((p) => p !== key)).toEqual(c.params);
    expect(query.sql).toMatch(c.sql);
    for (const value of [c.condition.value].flat()) {
      if (typeof value === "string") expect(query.sql).not.toContain(value);
    }
  });

  it("covers every operator of every field type", () => {
    const covered = new Set(cases.map((c) => `${describeField(c.condition.field)!.type}:${c.condition.op}`));
    const missing = Object.entries(SEGMENT_OPS_BY_TYPE)
      .filter(([type]) => type !== "segment")
      .flatMap(([type, ops]) => ops.map((op) => `${type}:${op}`))
      .filter((key) => !covered.has(key));
    expect(missing).toEqual([]);
  });

  it("an attribute key is a parameter too, whatever it holds", () => {
    const key = "x'); drop table contacts; --";
    const query = compile({ field: `attributes.${key}`, op: "exists" });
    expect(query.sql).not.toContain("drop table");
    expect(query.params).toEqual([key, key]);
  });

  it("groups nest with and/or; an empty root matches everyone", () => {
    const filter: SegmentFilter = {
      all: [
        { field: "tags", op: "contains", value: "vip" },
        {
          any: [
            { field: "country", op: "eq", value: "US" },
            { field: "country", op: "eq", value: "CA" },
          ],
        },
      ],
    };
    const query = render(compileSegmentFilter(filter, refs()));
    expect(query.sql).toMatch(
      /^\(\("contacts"\."tags" @> array\[\$1::text\]\) and \(coalesce\(.* or coalesce\(.*\)\)\)$/,
    );
    expect(query.params).toEqual(["vip", "US", "CA"]);
    expect(render(compileSegmentFilter({ all: [] }, refs())).sql).toBe("true");
  });

  it("the full condition scopes to the workspace and leaves erased contacts out", () => {
    const query = render(segmentWhere(compileSegmentFilter({ all: [] }, refs()), WS));
    expect(query.sql).toBe(`("contacts"."workspace_id" = $1 and "contacts"."erased_at" is null and true)`);
    expect(query.params).toEqual([WS]);
  });

  it("a nested segment is its own condition on the same contact; not_in negates it", () => {
    const r = refs({
      segments: new Map([[SEG_B, { name: "B", filter: only({ field: "tags", op: "contains", value: "b" }) }]]),
    });
    const inB = render(compileSegmentFilter(only({ field: "segment", op: "in", value: SEG_B }), r));
    expect(inB).toMatchObject({ sql: `("contacts"."tags" @> array[$1::text])`, params: ["b"] });
    const notInB = render(compileSegmentFilter(only({ field: "segment", op: "not_in", value: SEG_B }), r));
    expect(notInB).toMatchObject({ sql: `(not ("contacts"."tags" @> array[$1::text]))`, params: ["b"] });
  });
});

describe("refusals name the field", () => {
  it("an unknown field, in the schema and in the compiler", () => {
    const filter = { all: [{ field: "favouriteColour", op: "eq", value: "red" }] };
    const parsed = ZSegmentFilter.safeParse(filter);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(["all", 0, "field"]);
    expect(parsed.error!.issues[0]!.message).toContain('Unknown field "favouriteColour"');
    const error = refusal(() => compileSegmentFilter(filter, refs()));
    expect(error.code).toBe("INVALID");
    expect(error.field).toBe("filter.all.0.field");
    expect(error.message).toContain("favouriteColour");
  });

  it("an unknown operator, and one the field does not take (listing the ones it does)", () => {
    const unknown = ZSegmentFilter.safeParse(only({ field: "email", op: "like", value: "a" }));
    expect(unknown.error!.issues[0]).toMatchObject({ path: ["all", 0, "op"] });
    expect(unknown.error!.issues[0]!.message).toContain('Unknown operator "like"');
    const names = ZSegmentFilter.safeParse(only({ field: "firstName", op: "eq", value: "Ann" }));
    expect(names.error!.issues[0]!.message).toBe('"firstName" does not support "eq": it supports exists, not_exists');
    const error = refusal(() => compileSegmentFilter(only({ field: "firstName", op: "eq", value: "Ann" }), refs()));
    expect(error.field).toBe("filter.all.0.op");
    expect(error.message).toContain("exists, not_exists");
  });

  it("values of the wrong kind, with their path", () => {
    const bad: [SegmentCondition, string][] = [
      [{ field: "createdAt", op: "within_days", value: 0 }, "whole number of days"],
      [{ field: "createdAt", op: "gt", value: "2026-02-30" }, "date"],
      [{ field: "tags", op: "in", value: [] }, "1 to 500 values"],
      [{ field: "consent.newsletter.email", op: "eq", value: "yes" }, "opted_in, opted_out, pending, none"],
      [{ field: "segment", op: "in", value: "not-an-id" }, "segment"],
      [{ field: "email", op: "exists", value: "a@b.co" }, "takes no value"],
      [{ field: "attributes.seats", op: "gt", value: "many" }, "number or a date"],
    ];
    for (const [condition, text] of bad) {
      const issues = filterIssues({ any: [{ all: [condition] }] });
      expect(issues, `${condition.field} ${condition.op}`).toHaveLength(1);
      expect(issues[0]!.path).toEqual(["any", 0, "all", 0, "value"]);
      expect(issues[0]!.message).toContain(text);
    }
  });

  it("groups: empty nested groups, too deep, and a root that is not a group", () => {
    expect(filterIssues({ all: [{ any: [] }] })[0]).toMatchObject({ path: ["all", 0, "any"] });
    expect(filterIssues({ any: [] })[0]!.message).toContain("Add a condition");
    let deep: SegmentFilter = { all: [{ field: "tags", op: "exists" }] };
    for (let i = 0; i < 6; i++) deep = { all: [deep] };
    expect(filterIssues(deep).some((i) => i.message.includes("levels deep"))).toBe(true);
    expect(ZSegmentFilter.safeParse({ field: "tags", op: "exists" }).success).toBe(false);
    expect(ZSegmentFilter.safeParse({ all: [{ field: "tags", op: "exists", values: ["x"] }] }).success).toBe(false);
  });

  it("an address that is not one, an unknown topic or segment: INVALID at the condition", () => {
    const email = refusal(() =>
      compileSegmentFilter(only({ field: "email", op: "eq", value: "not an address" }), refs()),
    );
    expect(email).toMatchObject({ code: "INVALID", field: "filter.all.0.value" });
    expect(email.message).not.toContain("not an address");
    const topic = refusal(() =>
      compileSegmentFilter(only({ field: "consent.promos.sms", op: "eq", value: "opted_in" }), refs()),
    );
    expect(topic).toMatchObject({ code: "INVALID", field: "filter.all.0.field" });
    expect(topic.message).toContain('Unknown topic "promos"');
    const segment = refusal(() => compileSegmentFilter(only({ field: "segment", op: "in", value: SEG_C }), refs()));
    expect(segment).toMatchObject({ code: "INVALID", field: "filter.all.0.value" });
  });

  it(`a filter that expands past ${MAX_EXPANDED_CONDITIONS} conditions through its segments`, () => {
    const wide = (id: string): SegmentFilter => ({
      any: Array.from({ length: 40 }, () => ({ field: "segment", op: "in", value: id })),
    });
    const leaf: SegmentFilter = { any: Array.from({ length: 40 }, () => ({ field: "tags", op: "exists" })) };
    const r = refs({
      segments: new Map([
        [SEG_B, { name: "B", filter: wide(SEG_C) }],
        [SEG_C, { name: "C", filter: leaf }],
      ]),
    });
    const error = refusal(() => compileSegmentFilter(only({ field: "segment", op: "in", value: SEG_B }), r));
    expect(error.message).toContain(`more than ${MAX_EXPANDED_CONDITIONS} conditions`);
    expect(error.field).toBe("filter.all.0");
  });
});

describe("resolving nested segments", () => {
  const inSegment = (id: string): SegmentFilter => only({ field: "segment", op: "in", value: id });
  function loader(table: Record<string, { name: string; filter: SegmentFilter; archived?: boolean }>): ReferenceLoader {
    return {
      topicIds: async (keys) => new Map(keys.filter((k) => k === "newsletter").map((k) => [k, NEWSLETTER])),
      segment: async (id) => (table[id] ? { id, archived: false, ...table[id]! } : null),
    };
  }

  it("finds every segment and topic reached, through several levels", async () => {
    const table = {
      [SEG_B]: { name: "B", filter: { all: [{ field: "segment", op: "not_in", value: SEG_C }] } },
      [SEG_C]: { name: "C", filter: only({ field: "consent.newsletter.email", op: "eq", value: "opted_in" }) },
    };
    const refsFound = await resolveSegmentReferences(inSegment(SEG_B), loader(table));
    expect([...refsFound.segments.keys()].sort()).toEqual([SEG_B, SEG_C]);
    expect(refsFound.topics.get("newsletter")).toBe(NEWSLETTER);
  });

  it("refuses a cycle and names it", async () => {
    const table = {
      [SEG_A]: { name: "A", filter: inSegment(SEG_B) },
      [SEG_B]: {
        name: "B",
        filter: {
          any: [
            { field: "tags", op: "exists" },
            { field: "segment", op: "in", value: SEG_A },
          ],
        },
      },
    };
    const error = await asyncRefusal(() =>
      resolveSegmentReferences(inSegment(SEG_B), loader(table), { self: { id: SEG_A, name: "A" } }),
    );
    expect(error.code).toBe("INVALID");
    expect(error.message).toContain('"A" → "B" → "A"');
    expect(error.field).toBe("filter.all.0.value");
  });

  it("refuses a segment that names itself, and a cycle further down", async () => {
    const self = await asyncRefusal(() =>
      resolveSegmentReferences(inSegment(SEG_A), loader({}), { self: { id: SEG_A, name: "A" } }),
    );
    expect(self.message).toContain('"A" → "A"');
    const table = {
      [SEG_B]: { name: "B", filter: inSegment(SEG_C) },
      [SEG_C]: { name: "C", filter: inSegment(SEG_B) },
    };
    const below = await asyncRefusal(() => resolveSegmentReferences(inSegment(SEG_B), loader(table)));
    expect(below.message).toContain('"B" → "C" → "B"');
  });

  it("a segment used twice is not a cycle", async () => {
    const table = {
      [SEG_B]: { name: "B", filter: inSegment(SEG_C) },
      [SEG_C]: { name: "C", filter: only({ field: "tags", op: "exists" }) },
    };
    const filter: SegmentFilter = { all: [inSegment(SEG_B), inSegment(SEG_C)] };
    const found = await resolveSegmentReferences(filter, loader(table));
    expect(found.segments.size).toBe(2);
  });

  it("refuses nesting deeper than the limit, unknown and archived segments", async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `00000000-0000-4000-8000-0000000001${String(i).padStart(2, "0")}`);
    const chain = Object.fromEntries(
      ids.map((id, i) => [
        id,
        { name: `L${i}`, filter: i + 1 < ids.length ? inSegment(ids[i + 1]!) : only({ field: "tags", op: "exists" }) },
      ]),
    );
    const deep = await asyncRefusal(() => resolveSegmentReferences(inSegment(ids[0]!), loader(chain)));
    expect(deep.message).toContain("at most 5 levels deep");
    const unknown = await asyncRefusal(() => resolveSegmentReferences(inSegment(SEG_C), loader({})));
    expect(unknown.message).toContain(`Unknown segment ${SEG_C}`);
    const archived = await asyncRefusal(() =>
      resolveSegmentReferences(
        inSegment(SEG_B),
        loader({ [SEG_B]: { name: "Old", filter: { all: [] }, archived: true } }),
      ),
    );
    expect(archived.message).toContain('"Old" is archived');
  });
});

describe("the catalogue", () => {
  it("parses field families and refuses malformed ones", () => {
    expect(describeField("consent.newsletter.sms")?.type).toBe("consent");
    expect(describeField("lastMessage.any")?.type).toBe("last_message");
    expect(describeField("attributes.plan")?.label).toBe("plan");
    for (const bad of [
      "consent.newsletter",
      "consent.news letter.email",
      "consent.newsletter.fax",
      "lastMessage.push",
      "attributes.",
      "constructor",
    ]) {
      expect(describeField(bad), bad).toBeNull();
    }
  });

  it("knows which value each operator takes, and how to say it", () => {
    expect(valueKind("attribute", "gt")).toBe("comparable");
    expect(valueKind("consent", "in")).toBe("consents");
    expect(valueKind("tags", "exists")).toBe("none");
    expect(opLabel("tags", "contains")).toBe("has tag");
    expect(opLabel("date", "gt")).toBe("is after");
  });

  it("reads dates strictly", () => {
    expect(parseDateValue("2026-02-28")?.toISOString()).toBe("2026-02-28T00:00:00.000Z");
    expect(parseDateValue("2026-03-01T10:00:00+02:00")?.toISOString()).toBe("2026-03-01T08:00:00.000Z");
    for (const bad of ["2026-02-30", "2026-13-01", "01/03/2026", "2026-03-01T10:00", 20260301])
      expect(parseDateValue(bad)).toBeNull();
  });
});
