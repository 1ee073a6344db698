import { describe, expect, it } from "vitest";
import {
  BASE_RETRY_DELAY_MS,
  MAX_DELIVERY_ATTEMPTS,
  MAX_RETRY_DELAY_MS,
  RETRY_JITTER,
  retryDelayMs,
  shouldRetry,
} from "@/server/services/messages/backoff";
import { requestHash } from "@/server/services/messages/message-secrets";
import { parseRetryAfter } from "@/server/providers/errors";

describe("delivery backoff", () => {
  /** The draw that lands on the schedule itself (no jitter). */
  const onSchedule = () => 0.5;

  it("doubles from 30 s per attempt and caps at one hour", () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, undefined, onSchedule))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(30, undefined, onSchedule)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(0, undefined, onSchedule)).toBe(BASE_RETRY_DELAY_MS);
  });

  it("moves each delay by at most ±20% with the random draw", () => {
    expect(RETRY_JITTER).toBe(0.2);
    expect(retryDelayMs(1, undefined, () => 0)).toBe(24_000);
    expect(retryDelayMs(1, undefined, () => 0.25)).toBe(27_000);
    expect(retryDelayMs(1, undefined, () => 0.75)).toBe(33_000);
    expect(retryDelayMs(1, undefined, () => 0.999_999)).toBe(36_000);
    expect(retryDelayMs(3, undefined, () => 0)).toBe(96_000);
    expect(retryDelayMs(3, undefined, () => 1)).toBe(144_000);
    // Out-of-range draws are clamped, a NaN draw lands on the schedule.
    expect(retryDelayMs(1, undefined, () => -3)).toBe(24_000);
    expect(retryDelayMs(1, undefined, () => 7)).toBe(36_000);
    expect(retryDelayMs(1, undefined, () => Number.NaN)).toBe(30_000);
    // Never above the one-hour cap, even drawn late.
    expect(retryDelayMs(30, undefined, () => 1)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(30, undefined, () => 0)).toBe(MAX_RETRY_DELAY_MS * 0.8);
  });

  it("uses Math.random by default: delays spread within the band", () => {
    const delays = Array.from({ length: 200 }, () => retryDelayMs(2));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(48_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(72_000);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it("waits at least as long as the provider's Retry-After, whatever the jitter, capped at one hour", () => {
    expect(retryDelayMs(1, 120_000, onSchedule)).toBe(120_000);
    expect(retryDelayMs(1, 120_000, () => 0)).toBe(120_000);
    expect(retryDelayMs(1, 120_000, () => 1)).toBe(120_000);
    expect(retryDelayMs(1, 28_000, () => 0)).toBe(28_000);
    expect(retryDelayMs(1, 28_000, () => 1)).toBe(36_000);
    expect(retryDelayMs(3, 5_000, onSchedule)).toBe(120_000);
    expect(retryDelayMs(1, 10 * 60 * 60 * 1000, () => 0)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(1, Number.NaN, onSchedule)).toBe(30_000);
  });

  it("retries retryable errors until the attempt budget is spent, never final ones", () => {
    expect(shouldRetry(1, true)).toBe(true);
    expect(shouldRetry(MAX_DELIVERY_ATTEMPTS - 1, true)).toBe(true);
    expect(shouldRetry(MAX_DELIVERY_ATTEMPTS, true)).toBe(false);
    expect(shouldRetry(1, false)).toBe(false);
  });
});

describe("Retry-After parsing", () => {
  const now = new Date("2026-12-01T12:00:00Z");
  it("reads delta-seconds and HTTP dates, ignores garbage, caps at one hour", () => {
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter(" 1.5 ", now)).toBe(1500);
    expect(parseRetryAfter("Tue, 01 Dec 2026 12:01:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfter("Tue, 01 Dec 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("999999", now)).toBe(60 * 60 * 1000);
  });
});

describe("request hash (idempotency conflicts)", () => {
  it("ignores key order and the idempotency key, and changes with any field", () => {
    const a = requestHash({
      channel: "email",
      topic: "news",
      content: { text: "x", subject: "s" },
      idempotencyKey: "k1",
    });
    const b = requestHash({
      content: { subject: "s", text: "x" },
      topic: "news",
      channel: "email",
      idempotencyKey: "k2",
    });
    expect(a).toBe(b);
    expect(requestHash({ channel: "email", topic: "news", content: { text: "y", subject: "s" } })).not.toBe(a);
    expect(requestHash({ channel: "sms", topic: "news", content: { text: "x", subject: "s" } })).not.toBe(a);
  });
});
