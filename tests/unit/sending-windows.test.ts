import { describe, expect, it } from "vitest";
import {
  countKey,
  grantedCount,
  guardedStartMs,
  normaliseWindows,
  planUnits,
  senderKey,
  WINDOW_GUARD_MS,
  windowStartMs,
  type WindowCounts,
} from "@/server/services/messages/sending-windows";

const T0 = Date.parse("2026-12-02T08:00:00.000Z");
const perSecondAndMinute = [
  { seconds: 1, max: 5 },
  { seconds: 60, max: 20 },
];

describe("sender keys", () => {
  it("name the channel, the transport and the bare from address", () => {
    expect(senderKey("sms", "twilio", "+15550001111")).toBe("sms:twilio:+15550001111");
    expect(senderKey("email", "resend", "Shop News <News@Example.com>")).toBe("email:resend:news@example.com");
    expect(senderKey("email", "resend", "news@example.com")).toBe("email:resend:news@example.com");
    expect(senderKey("sms", "twilio", null)).toBe("sms:twilio:default");
  });
});

describe("fixed windows", () => {
  it("start on multiples of their length since the epoch", () => {
    expect(windowStartMs(T0 + 1_250, 1)).toBe(T0 + 1_000);
    expect(windowStartMs(T0 + 59_999, 60)).toBe(T0);
    expect(windowStartMs(T0 + 61_000, 60)).toBe(T0 + 60_000);
    expect(new Date(windowStartMs(T0 + 5 * 3_600_000, 86_400)).toISOString()).toBe("2026-12-02T00:00:00.000Z");
  });

  it("keep one limit per length, the tightest, and drop invalid ones", () => {
    expect(
      normaliseWindows([
        { seconds: 60, max: 20 },
        { seconds: 60, max: 10 },
        { seconds: 0, max: 5 },
        { seconds: 1, max: 0 },
      ]),
    ).toEqual([{ seconds: 60, max: 10 }]);
  });
});

describe("the guard at a window's end", () => {
  it("plans from the window's end in its last 200 ms (a call granted then could reach the provider in the next window), else from now", () => {
    expect(WINDOW_GUARD_MS).toBe(200);
    expect(guardedStartMs(perSecondAndMinute, T0 + 300)).toBe(T0 + 300);
    expect(guardedStartMs(perSecondAndMinute, T0 + 799)).toBe(T0 + 799);
    expect(guardedStartMs(perSecondAndMinute, T0 + 800)).toBe(T0 + 1_000);
    expect(guardedStartMs(perSecondAndMinute, T0 + 999)).toBe(T0 + 1_000);
    expect(guardedStartMs(perSecondAndMinute, T0 + 59_950)).toBe(T0 + 60_000);
    // A minute-only limit guards the minute's end, not every second's.
    expect(guardedStartMs([{ seconds: 60, max: 20 }], T0 + 999)).toBe(T0 + 999);
    expect(guardedStartMs([], T0 + 999)).toBe(T0 + 999);
    // Planned from there, nothing is granted now: the units wait for the next window.
    const times = planUnits(perSecondAndMinute, new Map(), guardedStartMs(perSecondAndMinute, T0 + 900), [1, 1]);
    expect(times).toEqual([T0 + 1_000, T0 + 1_000]);
    expect(grantedCount(times, T0 + 900)).toBe(0);
  });
});

describe("planning units under several windows", () => {
  it("without limits everything goes now", () => {
    expect(planUnits([], new Map(), T0, [1, 1, 100])).toEqual([T0, T0, T0]);
  });

  it("grants what fits now, then the start of each window that frees capacity", () => {
    const counts: WindowCounts = new Map();
    const times = planUnits(
      perSecondAndMinute,
      counts,
      T0 + 300,
      Array.from({ length: 25 }, () => 1),
    );
    expect(grantedCount(times, T0 + 300)).toBe(5);
    // 5 per second until the minute's 20 are spent, then the next minute.
    expect(times.slice(5).map((t) => t - T0)).toEqual([
      ...Array(5).fill(1_000),
      ...Array(5).fill(2_000),
      ...Array(5).fill(3_000),
      ...Array(5).fill(60_000),
    ]);
    expect(counts.get(countKey(1, T0))).toBe(5);
    expect(counts.get(countKey(60, T0))).toBe(20);
    expect(counts.get(countKey(60, T0 + 60_000))).toBe(5);
  });

  it("counts what other calls took: a spent minute sends everything to the next minute", () => {
    const counts: WindowCounts = new Map([
      [countKey(1, T0 + 40_000), 0],
      [countKey(60, T0), 20],
    ]);
    const times = planUnits(perSecondAndMinute, counts, T0 + 40_500, [1, 1]);
    expect(grantedCount(times, T0 + 40_500)).toBe(0);
    expect(times).toEqual([T0 + 60_000, T0 + 60_000]);
  });

  it("never lets a later unit overtake an earlier one", () => {
    const counts: WindowCounts = new Map([[countKey(1, T0), 3]]);
    // A batch replay of 3 does not fit in the 2 left; the single behind it waits too.
    const times = planUnits([{ seconds: 1, max: 5 }], counts, T0, [3, 1]);
    expect(times).toEqual([T0 + 1_000, T0 + 1_000]);
    expect(grantedCount(times, T0)).toBe(0);
  });

  it("a unit above the tightest limit goes once its windows are empty, counted whole", () => {
    const counts: WindowCounts = new Map([[countKey(1, T0), 1]]);
    const times = planUnits([{ seconds: 1, max: 5 }], counts, T0, [40, 1]);
    expect(times[0]).toBe(T0 + 1_000);
    expect(counts.get(countKey(1, T0 + 1_000))).toBe(40);
    // What follows waits until the oversized call's window has passed.
    expect(times[1]).toBe(T0 + 2_000);
  });

  it("a daily limit pushes the rest to the next UTC day", () => {
    const day = [
      { seconds: 1, max: 100 },
      { seconds: 86_400, max: 3 },
    ];
    const now = Date.parse("2026-12-02T22:15:00.000Z");
    const times = planUnits(day, new Map(), now, [1, 1, 1, 1]);
    expect(grantedCount(times, now)).toBe(3);
    expect(new Date(times[3]!).toISOString()).toBe("2026-12-03T00:00:00.000Z");
  });
});
