import { describe, expect, it } from "vitest";
import { parseDuration, resolveWakeTime, retryDelayMs } from "@/server/jobs/runner/durations";
import { compileExpression, matches } from "@/server/jobs/runner/expressions";
import { eventNameMatches } from "@/server/jobs/runner/registry";

describe("job runner durations", () => {
  it("reads the SDK's duration strings (w/d/h/m/s) and treats an empty one as zero", () => {
    expect(parseDuration("1h30m")).toBe(90 * 60_000);
    expect(parseDuration("1w2d3h4m5s")).toBe(((7 + 2) * 24 * 3600 + 3 * 3600 + 4 * 60 + 5) * 1000);
    expect(parseDuration("")).toBe(0);
    expect(parseDuration("2030-01-01T00:00:00.000Z")).toBeNull();
  });

  it("resolves a sleep to now + duration, or to the ISO time of sleepUntil", () => {
    const now = new Date("2030-01-01T00:00:00.000Z");
    expect(resolveWakeTime("1d", now).toISOString()).toBe("2030-01-02T00:00:00.000Z");
    expect(resolveWakeTime("2030-03-01T10:00:00.000Z", now).toISOString()).toBe("2030-03-01T10:00:00.000Z");
    expect(() => resolveWakeTime("soon", now)).toThrow(/Unreadable/);
  });

  it("backs off exponentially up to the cap, and Retry-After wins", () => {
    const base = { now: new Date("2030-01-01T00:00:00.000Z"), baseDelayMs: 10_000, maxDelayMs: 60_000 };
    expect([0, 1, 2, 3].map((attempt) => retryDelayMs({ ...base, attempt }))).toEqual([10_000, 20_000, 40_000, 60_000]);
    expect(retryDelayMs({ ...base, attempt: 0, retryAfter: "30" })).toBe(30_000);
    expect(retryDelayMs({ ...base, attempt: 0, retryAfter: "2030-01-01T00:05:00.000Z" })).toBe(300_000);
  });
});

describe("job runner expressions", () => {
  const event = { name: "a/b", data: { requestId: "r-1", count: 2, nested: { ok: true } } };

  it("matches waitForEvent `match` conditions between the trigger and the incoming event", () => {
    const condition = compileExpression("event.data.requestId == async.data.requestId");
    expect(matches(condition, { event, async: { data: { requestId: "r-1" } } })).toBe(true);
    expect(matches(condition, { event, async: { data: { requestId: "r-2" } } })).toBe(false);
  });

  it("supports literals, != , && and || (with && binding tighter)", () => {
    expect(matches(compileExpression("event.data.count == 2 && event.data.nested.ok == true"), { event })).toBe(true);
    expect(matches(compileExpression("event.data.requestId != 'r-1' || event.data.count == 2"), { event })).toBe(true);
    expect(
      matches(compileExpression(`event.data.requestId == "r-9" || event.data.count == 3 && true`), { event }),
    ).toBe(false);
  });

  it("evaluates a bare path to its value (idempotency keys)", () => {
    expect(compileExpression("event.data.requestId")({ event })).toBe("r-1");
  });

  it("refuses what it does not understand instead of guessing", () => {
    expect(() => compileExpression("event.data.count > 1")).toThrow(/Unsupported expression/);
    expect(() => compileExpression("size(event.data) == 1")).toThrow(/Unsupported expression/);
    expect(() => compileExpression("user.id == 1")).toThrow(/event\.|async\./);
  });

  it("matches event names exactly or by a trailing wildcard", () => {
    expect(eventNameMatches("app/user.created", "app/user.created")).toBe(true);
    expect(eventNameMatches("app/*", "app/user.created")).toBe(true);
    expect(eventNameMatches("app/user.created", "app/user.deleted")).toBe(false);
  });
});
