import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { consentEvents, contacts, messages, topics, workspaces, type MessageStatus } from "@/db/schema";
import { closeDb, setDbHandle } from "@/server/lib/db";
import {
  getConsentTrend,
  getConsentTrendLive,
  getDeliveryStats,
  getDeliveryStatsLive,
  rollupAnalyticsDays,
  rollupTrailingDays,
} from "@/server/services/analytics";
import { createWorkspace, systemContext } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { createTestDb } from "@/tests/helpers/db";

/**
 * The per-day analytics roll-up on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL):
 * the stored days equal the live delivery and consent-trend numbers day by day (zone boundaries,
 * blocked reasons, the ledger fold), a second run leaves the same rows, a late bounce on a past
 * day is corrected by the next run, and the nightly pass covers the 7 days up to yesterday in the
 * workspace's zone under a fixed clock.
 */

/** "Now": 2026-03-20 11:00 in New York (EDT, UTC−4). */
const NOW = new Date("2026-03-20T15:00:00Z");
const ZONE = "America/New_York";
const FROM = "2026-03-10";
const TO = "2026-03-19";

let handle: DbHandle;
let ws: string;
let other: string;
const ctx = () => systemContext(handle.db, ws, () => NOW);
const jobCtx = () => ({ db: handle.db, now: () => NOW });
const topicIds: Record<string, string> = {};
const people: string[] = [];
let lateMessage = "";

async function message(input: {
  at: string;
  status: MessageStatus;
  reason?: string;
  channel?: "email" | "sms";
  topic?: string;
  workspaceId?: string;
}) {
  const channel = input.channel ?? "email";
  const row = await createMessage(handle.db, {
    workspaceId: input.workspaceId ?? ws,
    contactId: null,
    channel,
    direction: "outbound",
    topic: input.topic ?? "news",
    status: input.status,
    reason: input.reason ?? null,
    address: channel === "email" ? "ann@example.com" : "+14155552671",
    createdAt: new Date(input.at),
    events: [],
  });
  if (["sent", "delivered", "undelivered", "bounced", "complained"].includes(input.status))
    await handle.db
      .update(messages)
      .set({ sentAt: new Date(input.at) })
      .where(eq(messages.id, row.id));
  return row.id;
}

async function ledger(
  person: number,
  channel: "email" | "sms",
  topic: string,
  action: string,
  at: string,
  recordedAt: string = at,
) {
  await handle.db.insert(consentEvents).values({
    workspaceId: ws,
    contactId: people[person]!,
    channel,
    topicId: topicIds[topic]!,
    action: action as "opted_in",
    source: "api",
    evidence: {},
    needsConfirmation: false,
    actorType: "system",
    occurredAt: new Date(at),
    recordedAt: new Date(recordedAt),
  });
}

async function deliveryRows() {
  return resultRows<Record<string, unknown>>(
    await handle.db
      .execute(sql`select to_char(day, 'YYYY-MM-DD') as day, channel::text as channel, topic_id::text as topic_id,
      reason, sent, delivered, bounced, failed, complained, blocked from analytics_daily
      where workspace_id = ${ws}::uuid order by 1, 2, 3, 4`),
  );
}

async function consentRows() {
  return resultRows<Record<string, unknown>>(
    await handle.db
      .execute(sql`select to_char(day, 'YYYY-MM-DD') as day, channel::text as channel, topic_id::text as topic_id,
      opt_ins, opt_outs from analytics_consent_daily where workspace_id = ${ws}::uuid order by 1, 2, 3`),
  );
}

/** The stored days summed per day, in the shape of the live `days`. */
async function storedDelivery() {
  const byDay = new Map<string, Record<string, number>>();
  const byReason = new Map<string, number>();
  for (const r of await deliveryRows()) {
    const d = byDay.get(String(r.day)) ?? { sent: 0, delivered: 0, bounced: 0, failed: 0, complained: 0, blocked: 0 };
    for (const k of Object.keys(d)) d[k]! += Number(r[k]);
    byDay.set(String(r.day), d);
    if (Number(r.blocked) > 0)
      byReason.set(String(r.reason), (byReason.get(String(r.reason)) ?? 0) + Number(r.blocked));
  }
  return { byDay, byReason };
}

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  ws = (await createWorkspace(handle.db, { settings: { messaging: { timezone: ZONE } } })).id;
  other = (await createWorkspace(handle.db, { settings: { messaging: { timezone: "Asia/Tokyo" } } })).id;
  for (const key of ["news", "deals"]) {
    const [row] = await handle.db
      .insert(topics)
      .values({ workspaceId: ws, key, name: key, channels: ["email", "sms"], kind: "marketing" })
      .returning({ id: topics.id });
    topicIds[key] = row!.id;
  }
  await handle.db
    .insert(topics)
    .values({ workspaceId: other, key: "news", name: "news", channels: ["email"], kind: "marketing" });
  for (let i = 0; i < 6; i++) {
    const [row] = await handle.db.insert(contacts).values({ workspaceId: ws }).returning({ id: contacts.id });
    people.push(row!.id);
  }
  // Messages on both sides of New York midnights, every status family, blocked by reason.
  lateMessage = await message({ at: "2026-03-12T15:00:00Z", status: "delivered" });
  await message({ at: "2026-03-12T03:59:00Z", status: "sent" }); // the 11th in New York
  await message({ at: "2026-03-12T04:00:00Z", status: "bounced" });
  await message({ at: "2026-03-14T12:00:00Z", status: "complained", channel: "sms", topic: "deals" });
  await message({ at: "2026-03-14T12:00:00Z", status: "undelivered", channel: "sms", topic: "deals" });
  await message({ at: "2026-03-15T12:00:00Z", status: "blocked", reason: "no_consent" });
  await message({ at: "2026-03-15T13:00:00Z", status: "blocked", reason: "quiet_hours", channel: "sms" });
  await message({ at: "2026-03-18T13:00:00Z", status: "blocked" });
  await message({ at: "2026-03-18T14:00:00Z", status: "failed", reason: "expired" });
  await message({ at: "2026-03-19T14:00:00Z", status: "delivered" });
  await message({ at: "2026-03-20T14:00:00Z", status: "delivered" }); // today: live only
  await message({ at: "2026-03-12T15:00:00Z", status: "delivered", workspaceId: other });
  // Ledger: before the range, inside it, an out and in again, a repeated grant.
  await ledger(0, "email", "news", "opted_in", "2026-03-01T12:00:00Z");
  await ledger(1, "email", "news", "opted_in", "2026-03-11T12:00:00Z");
  await ledger(1, "email", "news", "opted_in", "2026-03-12T12:00:00Z");
  await ledger(0, "email", "news", "opted_out", "2026-03-13T03:00:00Z"); // the 12th in New York
  await ledger(0, "email", "news", "opted_in", "2026-03-16T12:00:00Z");
  await ledger(2, "sms", "deals", "opted_in", "2026-03-17T12:00:00Z");
  await ledger(3, "sms", "deals", "opted_out", "2026-03-18T12:00:00Z"); // never in: nothing
}, 120_000);

afterAll(async () => {
  await closeDb();
});

describe("the analytics roll-up", () => {
  it("stores, day by day, exactly the live delivery and consent numbers", async () => {
    expect(await rollupAnalyticsDays({ ctx: jobCtx(), input: { fromDay: FROM, toDay: TO } })).toEqual({
      workspaces: 2,
      days: 10,
    });
    const live = await getDeliveryStats({ ctx: ctx(), input: { from: FROM, to: TO } });
    const stored = await storedDelivery();
    for (const d of live.days) {
      const s = stored.byDay.get(d.day) ?? { sent: 0, delivered: 0, bounced: 0, failed: 0, complained: 0, blocked: 0 };
      const { day, ...counts } = d;
      expect(s, day).toEqual(counts);
    }
    expect([...stored.byDay.keys()].every((d) => d >= FROM && d <= TO)).toBe(true);
    expect(live.totals.sent).toBeGreaterThan(0);
    for (const { reason, count } of live.blockedByReason) expect(stored.byReason.get(reason), reason).toBe(count);
    // The blocked message without a reason is counted but listed under no reason.
    expect(stored.byReason.get("")).toBe(1);

    const trend = await getConsentTrend({ ctx: ctx(), input: { from: FROM, to: TO } });
    const consent = await consentRows();
    for (const d of trend.days) {
      const rows = consent.filter((r) => r.day === d.day);
      expect(
        rows.reduce((n, r) => n + Number(r.opt_ins), 0),
        d.day,
      ).toBe(d.optIns);
      expect(
        rows.reduce((n, r) => n + Number(r.opt_outs), 0),
        d.day,
      ).toBe(d.optOuts);
    }
    expect(trend.totals.optIns).toBe(3);
    expect(trend.totals.optOuts).toBe(1);
    expect(consent.find((r) => r.day === "2026-03-12")).toMatchObject({ opt_ins: 0, opt_outs: 1 });

    const computed = resultRows<{ n: number }>(
      await handle.db.execute(
        sql`select count(*)::int as n from analytics_rollup_days where workspace_id = ${ws}::uuid`,
      ),
    );
    expect(Number(computed[0]!.n)).toBe(10);
  });

  it("is idempotent: a second run leaves the same rows", async () => {
    const before = { delivery: await deliveryRows(), consent: await consentRows() };
    await rollupAnalyticsDays({ ctx: jobCtx(), input: { workspaceId: ws, fromDay: FROM, toDay: TO } });
    expect({ delivery: await deliveryRows(), consent: await consentRows() }).toEqual(before);
  });

  it("corrects a past day when a late bounce arrives, on the next run", async () => {
    await handle.db
      .update(messages)
      .set({ status: "bounced" })
      .where(and(eq(messages.id, lateMessage), eq(messages.workspaceId, ws)));
    expect((await storedDelivery()).byDay.get("2026-03-12")).toMatchObject({ delivered: 1, bounced: 1 });
    await rollupAnalyticsDays({
      ctx: jobCtx(),
      input: { workspaceId: ws, fromDay: "2026-03-12", toDay: "2026-03-12" },
    });
    const live = await getDeliveryStats({ ctx: ctx(), input: { from: "2026-03-12", to: "2026-03-12" } });
    const { day: _day, ...counts } = live.days[0]!;
    expect((await storedDelivery()).byDay.get("2026-03-12")).toEqual(counts);
    expect(live.days[0]).toMatchObject({ delivered: 0, bounced: 2 });
  });

  it("the nightly pass recomputes the 7 days up to yesterday in each workspace's zone", async () => {
    await handle.db.execute(sql`delete from analytics_rollup_days`);
    expect(await rollupTrailingDays({ ctx: jobCtx() })).toEqual({ workspaces: 2, days: 7 });
    const rows = resultRows<{ workspace_id: string; day: string }>(
      await handle.db.execute(sql`select workspace_id::text as workspace_id, to_char(day, 'YYYY-MM-DD') as day
        from analytics_rollup_days order by 1, 2`),
    );
    // New York: the 20th today → the 13th to the 19th, and the days since the ledger's first event
    // (the 1st) never computed. Tokyo (00:00 on the 21st, no ledger): the 14th to the 20th.
    expect(rows.filter((r) => r.workspace_id === ws).map((r) => r.day)).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `2026-03-${String(i + 1).padStart(2, "0")}`),
      "2026-03-13",
      "2026-03-14",
      "2026-03-15",
      "2026-03-16",
      "2026-03-17",
      "2026-03-18",
      "2026-03-19",
    ]);
    expect(rows.filter((r) => r.workspace_id === other).map((r) => r.day)).toEqual([
      "2026-03-14",
      "2026-03-15",
      "2026-03-16",
      "2026-03-17",
      "2026-03-18",
      "2026-03-19",
      "2026-03-20",
    ]);
    // Today in New York stays out of the roll-up.
    expect((await storedDelivery()).byDay.has("2026-03-20")).toBe(false);
  });

  it("refuses a bad or too long range and changes nothing", async () => {
    const before = await deliveryRows();
    await expect(
      rollupAnalyticsDays({ ctx: jobCtx(), input: { fromDay: "2026-03-19", toDay: "2026-03-10" } }),
    ).rejects.toMatchObject({ code: "INVALID" });
    await expect(
      rollupAnalyticsDays({ ctx: jobCtx(), input: { fromDay: "2026-01-01", toDay: "2026-03-10" } }),
    ).rejects.toMatchObject({ code: "INVALID" });
    await expect(rollupAnalyticsDays({ ctx: jobCtx(), input: { fromDay: "nope", toDay: TO } })).rejects.toMatchObject({
      code: "INVALID",
    });
    expect(await deliveryRows()).toEqual(before);
  });
});

describe("the delivery section over the roll-up", () => {
  const ranges = [
    { from: FROM, to: TO },
    { from: "2026-03-01", to: "2026-03-20" },
    { from: "2026-03-11", to: "2026-03-12" },
    { from: "2026-03-17", to: "2026-03-20" },
    { from: "2026-03-12", to: "2026-03-19", channel: "sms" as const },
    { from: "2026-03-10", to: "2026-03-20", topic: "deals" },
  ];

  it("equals the live computation across the roll-up/live boundary, with gaps and filters", async () => {
    await rollupAnalyticsDays({
      ctx: jobCtx(),
      input: { workspaceId: ws, fromDay: "2026-03-05", toDay: "2026-03-19" },
    });
    for (const input of ranges)
      expect(await getDeliveryStats({ ctx: ctx(), input }), JSON.stringify(input)).toEqual(
        await getDeliveryStatsLive({ ctx: ctx(), input }),
      );
    // Days never computed (a gap in the middle, and the start) fall back to live.
    await handle.db.execute(sql`delete from analytics_rollup_days
      where workspace_id = ${ws}::uuid and day in ('2026-03-05', '2026-03-12', '2026-03-14', '2026-03-15')`);
    await handle.db.execute(sql`delete from analytics_daily where workspace_id = ${ws}::uuid and day = '2026-03-14'`);
    for (const input of ranges)
      expect(await getDeliveryStats({ ctx: ctx(), input }), JSON.stringify(input)).toEqual(
        await getDeliveryStatsLive({ ctx: ctx(), input }),
      );
  });

  it("reads stored days before yesterday from the roll-up and the last two days live", async () => {
    await rollupAnalyticsDays({
      ctx: jobCtx(),
      input: { workspaceId: ws, fromDay: "2026-03-10", toDay: "2026-03-19" },
    });
    // Altered stored counts show which days are read from the table (the 18th: the last stored day; the 19th: yesterday).
    await handle.db.execute(sql`update analytics_daily set sent = sent + 100
      where workspace_id = ${ws}::uuid and day in ('2026-03-18', '2026-03-19')`);
    await handle.db.execute(sql`insert into analytics_daily (workspace_id, day, channel, reason, sent)
      values (${ws}::uuid, '2026-03-18', 'email', 'x', 100), (${ws}::uuid, '2026-03-19', 'email', 'x', 100)`);
    const mixed = await getDeliveryStats({ ctx: ctx(), input: { from: "2026-03-18", to: "2026-03-19" } });
    const live = await getDeliveryStatsLive({ ctx: ctx(), input: { from: "2026-03-18", to: "2026-03-19" } });
    expect(mixed.days[0]!.sent).toBeGreaterThanOrEqual(live.days[0]!.sent + 100);
    expect(mixed.days[1]).toEqual(live.days[1]);
    // The next run puts the stored days right again.
    await rollupAnalyticsDays({
      ctx: jobCtx(),
      input: { workspaceId: ws, fromDay: "2026-03-18", toDay: "2026-03-19" },
    });
    expect(await getDeliveryStats({ ctx: ctx(), input: { from: "2026-03-18", to: "2026-03-19" } })).toEqual(live);
  });
});

describe("the consent trend over the roll-up", () => {
  const ranges = [
    { from: FROM, to: TO },
    { from: "2026-03-01", to: "2026-03-20" },
    { from: "2026-03-12", to: "2026-03-13" },
    { from: "2026-03-19", to: "2026-03-20" },
    { from: "2026-03-10", to: "2026-03-20", channel: "sms" as const },
    { from: "2026-03-10", to: "2026-03-20", topic: "news" },
  ];
  const later = new Date("2026-03-21T15:00:00Z");
  const state = async () =>
    resultRows<{ timezone: string; from_day: string | null; rolled_at: string | Date }>(
      await handle.db.execute(sql`select timezone, to_char(consent_from_day, 'YYYY-MM-DD') as from_day, rolled_at
        from analytics_rollup_state where workspace_id = ${ws}::uuid`),
    )[0];
  const sameAsLive = async (now: Date = NOW) => {
    const c = systemContext(handle.db, ws, () => now);
    for (const input of ranges)
      expect(await getConsentTrend({ ctx: c, input }), JSON.stringify(input)).toEqual(
        await getConsentTrendLive({ ctx: c, input }),
      );
  };

  it("reads past days from the roll-up once the nightly pass covered the ledger, recent days live", async () => {
    // Today's opt-in (recorded before the pass ran) is read live, from the pairs touched lately.
    await ledger(4, "email", "news", "opted_in", "2026-03-20T13:00:00Z");
    expect(await rollupTrailingDays({ ctx: jobCtx() })).toMatchObject({ workspaces: 2 });
    expect(await state()).toMatchObject({ timezone: ZONE, from_day: "2026-03-01" });
    await sameAsLive();
    const before = await getConsentTrend({ ctx: ctx(), input: { from: "2026-03-16", to: "2026-03-20" } });
    expect(before.days.at(-1)).toMatchObject({ day: "2026-03-20", optIns: 1 });
    // An altered stored day shows the answer comes from the table.
    await handle.db.execute(sql`update analytics_consent_daily set opt_ins = opt_ins + 100
      where workspace_id = ${ws}::uuid and day = '2026-03-16'`);
    const tampered = await getConsentTrend({ ctx: ctx(), input: { from: "2026-03-16", to: "2026-03-20" } });
    expect(tampered.totals.optIns).toBe(before.totals.optIns + 100);
    // Before the range, it moves the audience at the start instead.
    const after = await getConsentTrend({ ctx: ctx(), input: { from: "2026-03-17", to: "2026-03-20" } });
    const afterLive = await getConsentTrendLive({ ctx: ctx(), input: { from: "2026-03-17", to: "2026-03-20" } });
    expect(after.totals.audienceAtStart).toBe(afterLive.totals.audienceAtStart + 100);
  });

  it("falls back to the live fold when consent was recorded for a stored day since the pass", async () => {
    // Recorded after the pass, for the 5th (an import of past consent).
    await ledger(5, "email", "deals", "opted_in", "2026-03-05T12:00:00Z", "2026-03-20T16:00:00Z");
    await sameAsLive();
    const trend = await getConsentTrend({ ctx: ctx(), input: { from: "2026-03-01", to: "2026-03-20" } });
    expect(trend.days.find((d) => d.day === "2026-03-05")).toMatchObject({ optIns: 1 });
    // The next pass recomputes that day (and the altered one, in its trailing week) and the
    // roll-up answers again.
    await rollupTrailingDays({ ctx: { db: handle.db, now: () => later } });
    expect(new Date((await state())!.rolled_at).toISOString()).toBe(later.toISOString());
    const fifth = resultRows<{ opt_ins: number }>(
      await handle.db.execute(sql`select opt_ins from analytics_consent_daily
        where workspace_id = ${ws}::uuid and day = '2026-03-05' and topic_id = ${topicIds.deals!}::uuid`),
    );
    expect(fifth.map((r) => Number(r.opt_ins))).toEqual([1]);
    await sameAsLive(later);
  });

  it("a day missing from the roll-up or a change of zone means live until the next pass", async () => {
    await handle.db.execute(
      sql`delete from analytics_rollup_days where workspace_id = ${ws}::uuid and day = '2026-03-02'`,
    );
    await handle.db.execute(sql`update analytics_consent_daily set opt_outs = opt_outs + 7
      where workspace_id = ${ws}::uuid and day = '2026-03-12'`);
    await sameAsLive(later);
    await rollupTrailingDays({ ctx: { db: handle.db, now: () => later } });
    const restored = resultRows<{ n: number }>(
      await handle.db.execute(sql`select count(*)::int as n from analytics_rollup_days
        where workspace_id = ${ws}::uuid and day = '2026-03-02'`),
    );
    expect(Number(restored[0]!.n)).toBe(1);

    await handle.db
      .update(workspaces)
      .set({ settings: sql`jsonb_set(settings, '{messaging,timezone}', '"Asia/Tokyo"')` })
      .where(eq(workspaces.id, ws));
    await sameAsLive(later);
    await rollupTrailingDays({ ctx: { db: handle.db, now: () => later } });
    expect(await state()).toMatchObject({ timezone: "Asia/Tokyo", from_day: "2026-03-01" });
    // Every day was dropped and computed again in the new zone: the 12th's altered count is gone.
    await sameAsLive(later);
    const twelfth = resultRows<{ n: number }>(
      await handle.db.execute(sql`select coalesce(sum(opt_outs), 0)::int as n from analytics_consent_daily
        where workspace_id = ${ws}::uuid and day = '2026-03-12'`),
    );
    expect(Number(twelfth[0]!.n)).toBeLessThan(7);
  });

  it("counts a day the same whatever the range around it, also for consent arriving out of order", async () => {
    const [row] = await handle.db.insert(contacts).values({ workspaceId: ws }).returning({ id: contacts.id });
    people.push(row!.id);
    const p = people.length - 1;
    // An opt-in on the 15th, then an import of an older opt-in (the 6th), both recorded after the last pass.
    await ledger(p, "email", "news", "opted_in", "2026-03-15T12:00:00Z", "2026-03-21T16:00:00Z");
    await ledger(p, "email", "news", "opted_in", "2026-03-06T12:00:00Z", "2026-03-21T16:01:00Z");
    const c = systemContext(handle.db, ws, () => later);
    const short = await getConsentTrendLive({ ctx: c, input: { from: "2026-03-01", to: "2026-03-10" } });
    const long = await getConsentTrendLive({ ctx: c, input: { from: "2026-03-01", to: "2026-03-20" } });
    expect(long.days.slice(0, 10)).toEqual(short.days);
    const evening = new Date("2026-03-22T15:00:00Z");
    await rollupTrailingDays({ ctx: { db: handle.db, now: () => evening } });
    await sameAsLive(evening);
    // The pair became consented once, on the 15th (the first grant applied), in both.
    const week = await getConsentTrend({
      ctx: systemContext(handle.db, ws, () => evening),
      input: { from: "2026-03-15", to: "2026-03-15", topic: "news" },
    });
    expect(week.totals.optIns).toBe(1);
  });
});
