import { describe, expect, it } from "vitest";
import {
  activeCount,
  backoffDelayMs,
  blockedUntilFor,
  isBlocked,
  type LimitRule,
} from "@/server/lib/persistent-rate-limit";
import { SIGN_IN_LIMITS } from "@/server/services/auth/sign-in-limits";

const MINUTE = 60_000;
const perAccountAddress = SIGN_IN_LIMITS.perAccountAddress.backoff;

describe("sign-in back-off", () => {
  it("is free for the first failures, then doubles from one second", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, perAccountAddress))).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8, 9].map((n) => backoffDelayMs(n, perAccountAddress))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it("is capped at 15 minutes however many failures there were", () => {
    expect(backoffDelayMs(14, perAccountAddress)).toBe(512_000);
    expect(backoffDelayMs(15, perAccountAddress)).toBe(15 * MINUTE);
    expect(backoffDelayMs(10_000, perAccountAddress)).toBe(15 * MINUTE);
  });

  it("the account-wide rule allows 50 failures before slowing", () => {
    expect(backoffDelayMs(49, SIGN_IN_LIMITS.perAccount.backoff)).toBe(0);
    expect(backoffDelayMs(50, SIGN_IN_LIMITS.perAccount.backoff)).toBe(1000);
  });
});

describe("quota windows", () => {
  const rule: LimitRule = { windowMs: 15 * MINUTE, limit: 30 };
  const start = new Date("2026-12-01T10:00:00Z");

  it("a quota blocks from its last allowed hit until the window ends", () => {
    const now = new Date(start.getTime() + MINUTE);
    expect(blockedUntilFor(rule, 29, start, now)).toBeNull();
    expect(blockedUntilFor(rule, 30, start, now)).toEqual(new Date(start.getTime() + 15 * MINUTE));
  });

  it("a back-off rule blocks from now", () => {
    const now = new Date(start.getTime() + MINUTE);
    expect(blockedUntilFor(SIGN_IN_LIMITS.perAccountAddress, 6, start, now)).toEqual(new Date(now.getTime() + 2000));
  });

  it("blocked only while blockedUntil is in the future; a passed window counts nothing", () => {
    const state = { count: 30, windowStart: start, blockedUntil: new Date(start.getTime() + 15 * MINUTE) };
    expect(isBlocked(state, new Date(start.getTime() + 15 * MINUTE - 1))).toBe(true);
    expect(isBlocked(state, new Date(start.getTime() + 15 * MINUTE))).toBe(false);
    expect(isBlocked(undefined, start)).toBe(false);
    expect(activeCount(state, rule, new Date(start.getTime() + MINUTE))).toBe(30);
    expect(activeCount(state, rule, new Date(start.getTime() + 15 * MINUTE))).toBe(0);
  });
});
