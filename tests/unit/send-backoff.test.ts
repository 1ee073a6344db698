import { describe, expect, it } from "vitest";
import {
  BASE_RETRY_DELAY_MS,
  MAX_DELIVERY_ATTEMPTS,
  MAX_RETRY_DELAY_MS,
  retryDelayMs,
  shouldRetry,
} from "@/server/services/messages/backoff";
import { requestHash } from "@/server/services/messages/message-secrets";
import { parseRetryAfter } from "@/server/providers/errors";

describe("delivery backoff", () => {
  it("doubles from 30 s per attempt and caps at one hour", () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(30)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(0)).toBe(BASE_RETRY_DELAY_MS);
  });

  it("waits at least as long as the provider's Retry-After, capped at one hour", () => {
    expect(retryDelayMs(1, 120_000)).toBe(120_000);
    expect(retryDelayMs(3, 5_000)).toBe(120_000);
    expect(retryDelayMs(1, 10 * 60 * 60 * 1000)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(1, Number.NaN)).toBe(30_000);
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
