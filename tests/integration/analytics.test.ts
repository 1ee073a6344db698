import { randomUUID } from "node:crypto";
import { and, count, eq, gte, inArray, isNotNull, lt, ne, or, type SQL } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { consentEvents, contacts, forms, messages, topics, type MessageStatus } from "@/db/schema";
import { closeDb, setDbHandle } from "@/server/lib/db";
import {
  exportAnalyticsCsv,
  getBestSendHour,
  getConsentTrend,
  getDeliveryStats,
  getTopForms,
} from "@/server/services/analytics";
import { createApiKeyFor, createWorkspace, systemContext } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { createTestDb } from "@/tests/helpers/db";
import { rest } from "@/tests/helpers/http";

/**
 * The analytics dashboard's numbers on a real database (PGlite, or PostgreSQL with
 * TEST_DATABASE_URL): fixture messages, ledger rows and opens across days and time zones, every
 * number checked against a count written independently (plain counts over explicit instants, the
 * recipient's hour from Intl, the fold worked out by hand), the filters, the REST routes and the
 * CSV export.
 */

// The CSV route reads the session through next/headers and Auth.js; drive it with a key only.
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/server/auth", () => ({ auth: async () => null }));

/** "Now" for every call: 2026-03-20 11:00 in New York (EDT, UTC−4 since 8 March). */
const NOW = new Date("2026-03-20T15:00:00Z");
const ZONE = "America/New_York";
const RANGE = { from: "2026-03-17", to: "2026-03-19" };
/** Midnight in New York on a March 2026 day after the DST change, written out (not computed by the code under test). */
const nyMidnight = (day: string) => new Date(`${day}T04:00:00Z`);

let handle: DbHandle;
let ws: string;
let other: string;
const ctx = () => systemContext(handle.db, ws, () => NOW);
const topicIds: Record<string, string> = {};
const people: Record<string, string> = {};

async function contact(workspaceId: string, values: { timezone?: string | null; phoneCountry?: string | null } = {}) {
  const [row] = await handle.db
    .insert(contacts)
    .values({ workspaceId, timezone: values.timezone ?? null, phoneCountry: values.phoneCountry ?? null })
    .returning({ id: contacts.id });
  return row!.id;
}

const HANDED: MessageStatus[] = ["sent", "delivered", "undelivered", "bounced", "complained"];

async function message(input: {
  at: string;
  status: MessageStatus;
  reason?: string;
  channel?: "email" | "sms";
  topic?: string;
  contactId?: string | null;
  opened?: boolean;
  clicked?: boolean;
  sentAt?: string | null;
  workspaceId?: string;
  direction?: "outbound" | "inbound";
}) {
  const channel = input.channel ?? "email";
  const row = await createMessage(handle.db, {
    workspaceId: input.workspaceId ?? ws,
    contactId: input.contactId ?? null,
    channel,
    direction: input.direction ?? "outbound",
    topic: input.topic ?? "news",
    status: input.status,
    reason: input.reason ?? null,
    address: channel === "email" ? "ann@example.com" : "+14155552671",
    createdAt: new Date(input.at),
    events: [],
  });
  const sentAt = input.sentAt !== undefined ? input.sentAt : HANDED.includes(input.status) ? input.at : null;
  await handle.db
    .update(messages)
    .set({
      sentAt: sentAt ? new Date(sentAt) : null,
      openedAt: input.opened ? new Date(input.at) : null,
      clickedAt: input.clicked ? new Date(input.at) : null,
    })
    .where(eq(messages.id, row.id));
  return row.id;
}

async function ledger(input: {
  person: string;
  channel: "email" | "sms";
  topic: string;
  action: "opted_in" | "opted_out" | "confirmed" | "expired";
  at: string;
  recordedAt?: string;
  needsConfirmation?: boolean;
  source?: "api" | "form";
  formVersion?: string;
  workspaceId?: string;
}) {
  await handle.db.insert(consentEvents).values({
    workspaceId: input.workspaceId ?? ws,
    contactId: people[input.person] ?? input.person,
    channel: input.channel,
    topicId: topicIds[input.topic]!,
    action: input.action,
    source: input.source ?? "api",
    evidence: input.formVersion ? { formVersion: input.formVersion } : {},
    needsConfirmation: input.needsConfirmation ?? false,
    actorType: "system",
    occurredAt: new Date(input.at),
    recordedAt: new Date(input.recordedAt ?? input.at),
  });
}

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  ws = (await createWorkspace(handle.db, { settings: { messaging: { timezone: ZONE } } })).id;
  other = (await createWorkspace(handle.db, { settings: { messaging: { timezone: ZONE } } })).id;
  for (const [key, channels] of [
    ["news", ["email", "sms"]],
    ["deals", ["sms"]],
  ] as const) {
    const [row] = await handle.db
      .insert(topics)
      .values({
        workspaceId: ws,
        key,
        name: key === "news" ? "News" : "Deals",
        channels: [...channels],
        kind: "marketing",
      })
      .returning({ id: topics.id });
    topicIds[key] = row!.id;
    await handle.db
      .insert(topics)
      .values({ workspaceId: other, key, name: key, channels: [...channels], kind: "marketing" });
  }

  // Recipients in four zones: their own (Paris, UTC+1 in March), the phone's country (Tokyo, +9),
  // the workspace's (New York, −4), and an invalid own zone (falls back to the workspace's).
  people.paris = await contact(ws, { timezone: "Europe/Paris" });
  people.tokyo = await contact(ws, { phoneCountry: "JP" });
  people.local = await contact(ws);
  people.broken = await contact(ws, { timezone: "Not/A_Zone" });
  for (const name of ["c1", "c2", "c3", "c4", "c5", "c6"]) people[name] = await contact(ws);

  // ── Messages ──
  // Paris 09:00 (08:00Z on the 18th): 10 delivered, 6 opened, 2 clicked.
  for (let i = 0; i < 10; i++)
    await message({
      at: "2026-03-18T08:00:00Z",
      status: "delivered",
      contactId: people.paris,
      opened: i < 6,
      clicked: i < 2,
    });
  // Tokyo 10:00 (01:00Z on the 18th = the 17th 21:00 in New York): 10 sent, 3 opened.
  for (let i = 0; i < 10; i++)
    await message({ at: "2026-03-18T01:00:00Z", status: "sent", contactId: people.tokyo, opened: i < 3 });
  // New York 10:00 (14:00Z): 2 delivered (1 opened), and the broken zone 10:00 New York: 2 (1 opened, 1 clicked).
  await message({ at: "2026-03-19T14:00:00Z", status: "delivered", contactId: people.local, opened: true });
  await message({
    at: "2026-03-19T14:00:00Z",
    status: "delivered",
    contactId: people.local,
    channel: "sms",
    topic: "deals",
  });
  await message({
    at: "2026-03-19T14:10:00Z",
    status: "complained",
    contactId: people.broken,
    opened: true,
    clicked: true,
  });
  await message({ at: "2026-03-19T14:20:00Z", status: "delivered", contactId: people.broken });
  // New York 13:00: 4 opened of 4: a perfect rate on too small a sample.
  for (let i = 0; i < 4; i++)
    await message({ at: "2026-03-19T17:00:00Z", status: "delivered", contactId: people.local, opened: true });
  // Problems: bounced, undelivered (SMS), failed after hand-over, failed before it (expired), in flight.
  await message({ at: "2026-03-17T12:00:00Z", status: "bounced", contactId: people.c1 });
  await message({
    at: "2026-03-17T12:00:00Z",
    status: "undelivered",
    channel: "sms",
    topic: "deals",
    contactId: people.c1,
  });
  await message({ at: "2026-03-19T12:00:00Z", status: "failed", sentAt: "2026-03-19T12:00:01Z", contactId: people.c2 });
  await message({ at: "2026-03-19T12:00:00Z", status: "failed", reason: "expired", contactId: people.c2 });
  await message({ at: "2026-03-19T12:00:00Z", status: "queued", contactId: people.c2 });
  // Blocked: two no_consent, one quiet_hours (SMS deals), one suppressed.
  await message({ at: "2026-03-17T13:00:00Z", status: "blocked", reason: "no_consent", contactId: people.c3 });
  await message({ at: "2026-03-18T13:00:00Z", status: "blocked", reason: "no_consent", contactId: people.c3 });
  await message({
    at: "2026-03-18T13:00:00Z",
    status: "blocked",
    reason: "quiet_hours",
    channel: "sms",
    topic: "deals",
    contactId: people.c3,
  });
  await message({ at: "2026-03-19T13:00:00Z", status: "blocked", reason: "suppressed", contactId: people.c4 });
  // Day boundaries in New York: 03:59Z on the 18th is the 17th; 04:00Z on the 20th is outside the range.
  await message({ at: "2026-03-18T03:59:00Z", status: "sent", contactId: people.c5 });
  await message({ at: "2026-03-17T04:00:00Z", status: "sent", contactId: people.c5 });
  await message({ at: "2026-03-17T03:59:00Z", status: "sent", contactId: people.c5 });
  await message({ at: "2026-03-20T04:00:00Z", status: "sent", contactId: people.c5 });
  // Not counted: inbound, another workspace.
  await message({
    at: "2026-03-18T12:00:00Z",
    status: "received",
    direction: "inbound",
    channel: "sms",
    topic: "deals",
    contactId: people.c6,
  });
  await message({ at: "2026-03-18T12:00:00Z", status: "delivered", workspaceId: other });

  // ── Consent ledger ── (see the expectations in "the consent trend")
  await ledger({ person: "c1", channel: "email", topic: "news", action: "opted_in", at: "2026-03-10T12:00:00Z" });
  await ledger({ person: "c2", channel: "email", topic: "news", action: "opted_in", at: "2026-03-10T12:00:00Z" });
  // 17th: a pending grant (no change), a repeated opt-in (no change).
  await ledger({
    person: "c3",
    channel: "email",
    topic: "news",
    action: "opted_in",
    needsConfirmation: true,
    at: "2026-03-17T15:00:00Z",
  });
  await ledger({ person: "c1", channel: "email", topic: "news", action: "opted_in", at: "2026-03-17T16:00:00Z" });
  // 18th: c3 confirms (+1), c2 opts out (−1), c4 opts in and out of SMS deals (+1 −1).
  await ledger({ person: "c3", channel: "email", topic: "news", action: "confirmed", at: "2026-03-18T15:00:00Z" });
  await ledger({ person: "c2", channel: "email", topic: "news", action: "opted_out", at: "2026-03-18T16:00:00Z" });
  await ledger({ person: "c4", channel: "sms", topic: "deals", action: "opted_in", at: "2026-03-18T17:00:00Z" });
  await ledger({ person: "c4", channel: "sms", topic: "deals", action: "opted_out", at: "2026-03-18T18:00:00Z" });
  // 19th: c5 opts out (was never in: nothing), then an opt-in that happened before that opt-out was
  // recorded (the fold refuses it: nothing); c1 opts out (−1); c2 opts in again (+1); c6 SMS deals (+1).
  await ledger({ person: "c5", channel: "email", topic: "news", action: "opted_out", at: "2026-03-19T15:00:00Z" });
  await ledger({
    person: "c5",
    channel: "email",
    topic: "news",
    action: "opted_in",
    at: "2026-03-19T14:00:00Z",
    recordedAt: "2026-03-19T16:00:00Z",
  });
  await ledger({ person: "c1", channel: "email", topic: "news", action: "opted_out", at: "2026-03-19T17:00:00Z" });
  await ledger({ person: "c2", channel: "email", topic: "news", action: "opted_in", at: "2026-03-19T18:00:00Z" });
  await ledger({ person: "c6", channel: "sms", topic: "deals", action: "opted_in", at: "2026-03-19T19:00:00Z" });
  // An expired pending grant changes nothing; after the range (the 20th in New York): not counted.
  await ledger({ person: "c6", channel: "email", topic: "news", action: "expired", at: "2026-03-19T20:00:00Z" });
  await ledger({ person: "c3", channel: "email", topic: "news", action: "opted_out", at: "2026-03-20T10:00:00Z" });
}, 120_000);

afterAll(async () => {
  await closeDb();
});

describe("delivery statistics", () => {
  /** An independent count: plain conditions over explicit New York midnights. */
  async function independent(day: string, condition: SQL | undefined) {
    const next = new Date(nyMidnight(day).getTime() + 86_400_000);
    const [row] = await handle.db
      .select({ n: count() })
      .from(messages)
      .where(
        and(
          eq(messages.workspaceId, ws),
          eq(messages.direction, "outbound"),
          ne(messages.kind, "system"),
          gte(messages.createdAt, nyMidnight(day)),
          lt(messages.createdAt, next),
          condition,
        ),
      );
    return Number(row!.n);
  }
  const sentCondition = or(
    inArray(messages.status, HANDED),
    and(eq(messages.status, "failed"), isNotNull(messages.sentAt)),
  );

  it("counts every day of the range against independent counts, zone boundaries included", async () => {
    const stats = await getDeliveryStats({ ctx: ctx(), input: RANGE });
    expect(stats.range).toEqual({ ...RANGE, timezone: ZONE, topic: null, channel: null });
    expect(stats.days.map((d) => d.day)).toEqual(["2026-03-17", "2026-03-18", "2026-03-19"]);
    for (const d of stats.days) {
      expect(d.sent, d.day).toBe(await independent(d.day, sentCondition));
      expect(d.delivered, d.day).toBe(
        await independent(d.day, inArray(messages.status, ["sent", "delivered", "complained"])),
      );
      expect(d.bounced, d.day).toBe(await independent(d.day, eq(messages.status, "bounced")));
      expect(d.complained, d.day).toBe(await independent(d.day, eq(messages.status, "complained")));
      expect(d.blocked, d.day).toBe(await independent(d.day, eq(messages.status, "blocked")));
      expect(d.failed, d.day).toBe(d.sent - d.delivered - d.bounced);
    }
    // By hand: the 17th has the boundary message at 04:00Z and at 03:59Z on the 18th, the Tokyo
    // batch (21:00 New York), a bounce and an undelivered SMS; not the one at 03:59Z on the 17th.
    expect(stats.days[0]).toEqual({
      day: "2026-03-17",
      sent: 14,
      delivered: 12,
      bounced: 1,
      failed: 1,
      complained: 0,
      blocked: 1,
    });
    expect(stats.totals).toMatchObject({ sent: 33, delivered: 30, bounced: 1, failed: 2, complained: 1, blocked: 4 });
    expect(stats.totals.deliveryRate).toBeCloseTo(30 / 33, 10);
    expect(stats.totals.bounceRate).toBeCloseTo(1 / 33, 10);
    expect(stats.totals.complaintRate).toBeCloseTo(1 / 30, 10);
    expect(stats.blockedByReason).toEqual([
      { reason: "no_consent", count: 2 },
      { reason: "quiet_hours", count: 1 },
      { reason: "suppressed", count: 1 },
    ]);
  });

  it("filters by topic and channel, and defaults to the last 30 days", async () => {
    const deals = await getDeliveryStats({ ctx: ctx(), input: { ...RANGE, topic: "deals" } });
    expect(deals.totals).toMatchObject({ sent: 2, delivered: 1, failed: 1, blocked: 1 });
    expect(deals.blockedByReason).toEqual([{ reason: "quiet_hours", count: 1 }]);
    const sms = await getDeliveryStats({ ctx: ctx(), input: { ...RANGE, channel: "sms" } });
    expect(sms.totals).toMatchObject({ sent: 2, delivered: 1, blocked: 1 });
    const email = await getDeliveryStats({ ctx: ctx(), input: { ...RANGE, channel: "email" } });
    expect(email.totals.sent + sms.totals.sent).toBe(33);

    const recent = await getDeliveryStats({ ctx: ctx(), input: {} });
    expect(recent.range).toMatchObject({ from: "2026-02-19", to: "2026-03-20" });
    expect(recent.days).toHaveLength(30);
    // The 20th (today) holds the message at 04:00Z; the 16th the one at 03:59Z on the 17th.
    expect(recent.totals.sent).toBe(33 + 2);
    expect(recent.days.find((d) => d.day === "2026-03-16")!.sent).toBe(1);
    expect(recent.days.find((d) => d.day === "2026-03-20")!.sent).toBe(1);
  });

  it("refuses a bad range or an unknown topic, and has no rates without sends", async () => {
    await expect(
      getDeliveryStats({ ctx: ctx(), input: { from: "2026-03-19", to: "2026-03-17" } }),
    ).rejects.toMatchObject({
      code: "INVALID",
    });
    await expect(
      getDeliveryStats({ ctx: ctx(), input: { from: "2025-01-01", to: "2026-03-17" } }),
    ).rejects.toMatchObject({
      code: "INVALID",
    });
    await expect(getDeliveryStats({ ctx: ctx(), input: { from: "2026-02-30" } })).rejects.toMatchObject({
      code: "INVALID",
    });
    await expect(getDeliveryStats({ ctx: ctx(), input: { topic: "nope" } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const empty = await getDeliveryStats({ ctx: ctx(), input: { from: "2025-06-01", to: "2025-06-02" } });
    expect(empty.totals).toMatchObject({ sent: 0, deliveryRate: null, bounceRate: null, complaintRate: null });
  });
});

describe("the consent trend", () => {
  it("folds the ledger into opt-ins, opt-outs and the audience per day and per channel × topic", async () => {
    const trend = await getConsentTrend({ ctx: ctx(), input: RANGE });
    expect(trend.days).toEqual([
      { day: "2026-03-17", optIns: 0, optOuts: 0, net: 0, audience: 2 },
      { day: "2026-03-18", optIns: 2, optOuts: 2, net: 0, audience: 2 },
      { day: "2026-03-19", optIns: 2, optOuts: 1, net: 1, audience: 3 },
    ]);
    expect(trend.totals).toEqual({ optIns: 4, optOuts: 3, net: 1, audienceAtStart: 2, audience: 3 });
    expect(trend.series).toEqual([
      { channel: "email", topic: "news", topicName: "News", optIns: 2, optOuts: 2, net: 0, audience: 2 },
      { channel: "sms", topic: "deals", topicName: "Deals", optIns: 2, optOuts: 1, net: 1, audience: 1 },
    ]);
  });

  it("the audience matches an independent replay of the ledger at the end of the range", async () => {
    // Independent: the latest decisive event per pair (ignoring pending and the refused backdated opt-in by hand).
    const rows = await handle.db
      .select({
        contactId: consentEvents.contactId,
        channel: consentEvents.channel,
        topicId: consentEvents.topicId,
        action: consentEvents.action,
        needs: consentEvents.needsConfirmation,
        occurredAt: consentEvents.occurredAt,
        recordedAt: consentEvents.recordedAt,
      })
      .from(consentEvents)
      .where(and(eq(consentEvents.workspaceId, ws), lt(consentEvents.occurredAt, nyMidnight("2026-03-20"))))
      .orderBy(consentEvents.seq);
    const state = new Map<string, { in: boolean; outRecorded: Date | null }>();
    for (const r of rows) {
      const key = `${r.contactId}|${r.channel}|${r.topicId}`;
      const s = state.get(key) ?? { in: false, outRecorded: null };
      if (r.action === "opted_out") {
        s.in = false;
        s.outRecorded = r.recordedAt;
      } else if (
        (r.action === "confirmed" || (r.action === "opted_in" && !r.needs)) &&
        !(s.outRecorded && r.occurredAt <= s.outRecorded)
      ) {
        s.in = true;
      }
      state.set(key, s);
    }
    const audience = [...state.values()].filter((s) => s.in).length;
    const trend = await getConsentTrend({ ctx: ctx(), input: RANGE });
    expect(trend.totals.audience).toBe(audience);
  });

  it("filters by topic and channel", async () => {
    const deals = await getConsentTrend({ ctx: ctx(), input: { ...RANGE, topic: "deals" } });
    expect(deals.series.map((s) => s.topic)).toEqual(["deals"]);
    expect(deals.totals).toEqual({ optIns: 2, optOuts: 1, net: 1, audienceAtStart: 0, audience: 1 });
    const email = await getConsentTrend({ ctx: ctx(), input: { ...RANGE, channel: "email" } });
    expect(email.totals).toEqual({ optIns: 2, optOuts: 2, net: 0, audienceAtStart: 2, audience: 2 });
    // The day after: c3's opt-out of the 20th is counted once the range includes it.
    const later = await getConsentTrend({ ctx: ctx(), input: { from: "2026-03-20", to: "2026-03-20" } });
    expect(later.totals).toEqual({ optIns: 0, optOuts: 1, net: -1, audienceAtStart: 3, audience: 2 });
  });
});

describe("the best send hour", () => {
  it("groups delivered messages by the recipient's local hour (own zone, phone country, workspace)", async () => {
    const result = await getBestSendHour({ ctx: ctx(), input: RANGE });
    // Independent: each reached message's hour from Intl in the zone worked out by hand.
    const zoneOf: Record<string, string> = {
      [people.paris!]: "Europe/Paris",
      [people.tokyo!]: "Asia/Tokyo",
      [people.local!]: ZONE,
      [people.broken!]: ZONE,
    };
    const rows = await handle.db
      .select({
        contactId: messages.contactId,
        sentAt: messages.sentAt,
        createdAt: messages.createdAt,
        opened: messages.openedAt,
        clicked: messages.clickedAt,
      })
      .from(messages)
      .where(
        and(
          eq(messages.workspaceId, ws),
          eq(messages.direction, "outbound"),
          inArray(messages.status, ["sent", "delivered", "complained"]),
          gte(messages.createdAt, nyMidnight("2026-03-17")),
          lt(messages.createdAt, nyMidnight("2026-03-20")),
        ),
      );
    const expected = Array.from({ length: 24 }, () => ({ delivered: 0, opened: 0, clicked: 0 }));
    for (const r of rows) {
      const zone = (r.contactId && zoneOf[r.contactId]) || ZONE;
      const hour = Number(
        new Intl.DateTimeFormat("en-US", { timeZone: zone, hour: "numeric", hourCycle: "h23" }).format(
          r.sentAt ?? r.createdAt,
        ),
      );
      expected[hour]!.delivered++;
      if (r.opened) expected[hour]!.opened++;
      if (r.clicked) expected[hour]!.clicked++;
    }
    expect(result.hours.map(({ delivered, opened, clicked }) => ({ delivered, opened, clicked }))).toEqual(expected);
    expect(result.hours[9]).toMatchObject({ delivered: 10, opened: 6, clicked: 2, openRate: 0.6, clickRate: 0.2 });
    expect(result.hours[10]).toMatchObject({ delivered: 14, opened: 5, clicked: 1 });
    expect(result.hours[13]).toMatchObject({ delivered: 4, opened: 4, openRate: 1 });
    // 13:00 has the best rate but too few messages.
    expect(result.best).toEqual({ byOpens: 9, byClicks: 9 });
    expect(result.minSample).toBe(10);
  });
});

describe("top forms", () => {
  it("ranks forms by opt-ins through them in the range", async () => {
    const [a] = await handle.db
      .insert(forms)
      .values({ workspaceId: ws, key: `fa-${randomUUID()}`, name: "Footer" })
      .returning();
    const [b] = await handle.db
      .insert(forms)
      .values({ workspaceId: ws, key: `fb-${randomUUID()}`, name: "Popup" })
      .returning();
    const [foreign] = await handle.db
      .insert(forms)
      .values({ workspaceId: other, key: `fc-${randomUUID()}`, name: "Elsewhere" })
      .returning();
    const f = (form: { id: string }) => `${form.id}@v1`;
    // Form fixtures in the far past so the consent trend above is not affected.
    const at = "2025-05-10T15:00:00Z";
    for (const [person, topic, channel] of [
      ["c1", "news", "email"],
      ["c1", "news", "sms"],
      ["c2", "news", "email"],
    ] as const)
      await ledger({ person, channel, topic, action: "opted_in", source: "form", formVersion: f(a!), at });
    await ledger({
      person: "c3",
      channel: "sms",
      topic: "deals",
      action: "opted_in",
      source: "form",
      formVersion: f(b!),
      at,
    });
    await ledger({
      person: "c4",
      channel: "email",
      topic: "news",
      action: "opted_in",
      source: "form",
      formVersion: f(foreign!),
      at,
    });
    await ledger({
      person: "c5",
      channel: "email",
      topic: "news",
      action: "opted_in",
      source: "form",
      formVersion: f(b!),
      at: "2025-05-20T15:00:00Z",
    });

    const top = await getTopForms({ ctx: ctx(), input: { from: "2025-05-01", to: "2025-05-15" } });
    expect(top.forms).toEqual([
      { formId: a!.id, name: "Footer", optIns: 3, contacts: 2 },
      { formId: b!.id, name: "Popup", optIns: 1, contacts: 1 },
    ]);
    const deals = await getTopForms({ ctx: ctx(), input: { from: "2025-05-01", to: "2025-05-15", topic: "deals" } });
    expect(deals.forms.map((x) => x.name)).toEqual(["Popup"]);
  });
});

describe("REST and CSV", () => {
  it("serves the same numbers as the services, with the campaigns:read scope", async () => {
    const { secret } = await createApiKeyFor(handle.db, ws, ["campaigns:read"]);
    const query = `?from=${RANGE.from}&to=${RANGE.to}`;
    // The REST context's clock is the system's: compare with the service at the same explicit range.
    const delivery = await rest("GET", `/analytics/delivery${query}`, { key: secret });
    expect(delivery.status).toBe(200);
    expect(delivery.body).toEqual(await getDeliveryStats({ ctx: ctx(), input: RANGE }));
    const trend = await rest("GET", `/analytics/consent-trend${query}&topic=deals`, { key: secret });
    expect(trend.status).toBe(200);
    expect(trend.body).toEqual(await getConsentTrend({ ctx: ctx(), input: { ...RANGE, topic: "deals" } }));

    expect((await rest("GET", `/analytics/delivery?from=2026-03-19&to=2026-03-01`, { key: secret })).status).toBe(400);
    expect((await rest("GET", `/analytics/delivery?from=yesterday`, { key: secret })).status).toBe(400);
    expect((await rest("GET", `/analytics/consent-trend?topic=missing`, { key: secret })).status).toBe(404);
    expect((await rest("GET", `/analytics/delivery?channel=fax`, { key: secret })).status).toBe(400);
  });

  it("refuses keys without campaigns:read, and other workspaces' numbers are never mixed in", async () => {
    const { secret } = await createApiKeyFor(handle.db, ws, ["contacts:read", "messages:send"]);
    expect((await rest("GET", "/analytics/delivery", { key: secret })).status).toBe(403);
    expect((await rest("GET", "/analytics/consent-trend", { key: secret })).status).toBe(403);
    expect((await rest("GET", "/analytics/delivery")).status).toBe(401);
    const { secret: otherKey } = await createApiKeyFor(handle.db, other, ["campaigns:read"]);
    const theirs = await rest("GET", `/analytics/delivery?from=${RANGE.from}&to=${RANGE.to}`, { key: otherKey });
    expect(theirs.body.totals.sent).toBe(1);
  });

  it("exports each section as CSV with the dashboard's numbers", async () => {
    const { GET } = await import("@/app/api/analytics/[section]/route");
    const { secret } = await createApiKeyFor(handle.db, ws, ["campaigns:read"]);
    const call = (file: string, query = `?from=${RANGE.from}&to=${RANGE.to}`, key = secret) =>
      GET(
        new Request(`http://localhost/api/analytics/${file}${query}`, { headers: { authorization: `Bearer ${key}` } }),
        {
          params: Promise.resolve({ section: file }),
        },
      );
    const delivery = await call("delivery.csv");
    expect(delivery.status).toBe(200);
    expect(delivery.headers.get("content-type")).toContain("text/csv");
    const lines = (await delivery.text()).trim().split("\r\n");
    expect(lines[0]).toBe("day,sent,delivered,bounced,failed,complained,blocked");
    expect(lines[1]).toBe("2026-03-17,14,12,1,1,0,1");
    expect(lines).toHaveLength(4);

    const blocked = (await (await call("blocked.csv")).text()).trim().split("\r\n");
    expect(blocked).toEqual(["reason,count", "no_consent,2", "quiet_hours,1", "suppressed,1"]);
    const trend = (await (await call("consent-trend.csv")).text()).trim().split("\r\n");
    const last = (await getConsentTrend({ ctx: ctx(), input: RANGE })).days.at(-1)!;
    expect(trend).toHaveLength(4);
    expect(trend.at(-1)).toBe(`2026-03-19,${last.optIns},${last.optOuts},${last.net},${last.audience}`);
    const hours = (await (await call("best-hour.csv")).text()).trim().split("\r\n");
    expect(hours).toHaveLength(25);
    expect(hours[10]).toBe("9,10,6,2,0.6000,0.2000");
    expect((await call("top-forms.csv")).status).toBe(200);

    expect((await call("nothing.csv")).status).toBe(404);
    expect((await call("delivery")).status).toBe(404);
    expect((await call("delivery.csv", "?from=2026-03-19&to=2026-03-01")).status).toBe(400);
    expect((await call("delivery.csv", "?channel=fax")).status).toBe(400);
    expect((await call("delivery.csv", "?topic=missing")).status).toBe(404);
    const { secret: weak } = await createApiKeyFor(handle.db, ws, ["contacts:read"]);
    expect((await call("delivery.csv", "", weak)).status).toBe(403);
    // The service itself refuses an unknown section.
    await expect(exportAnalyticsCsv({ ctx: ctx(), input: { section: "secrets" } })).rejects.toMatchObject({
      code: "INVALID",
    });
  });
});
