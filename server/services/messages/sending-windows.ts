import type { Channel } from "@/db/schema";
import type { SendingWindow } from "@/server/shared/messaging-settings";

/**
 * Fixed-window arithmetic of the sending limits (pure; tests/unit/sending-windows.test.ts).
 *
 * A window of `seconds` starts on a multiple of its length since the Unix epoch (a day window is a
 * UTC day), so every process and replica counts into the same window without agreeing on
 * anything but the clock. Fixed windows are what most providers count; like theirs, two full
 * windows back to back may carry up to twice a window's `max` across their boundary.
 */

/**
 * The sender a limit counts for: channel, transport name and from address, e.g.
 * `sms:twilio:+15550001111` or `email:resend:news@example.com`. An email's display name is left
 * out (the provider limits the address); a message without its own from address counts for the
 * transport's default sender. Our own addresses only, so the key is kept as it is.
 */
export function senderKey(channel: Channel, transport: string, from: string | null | undefined): string {
  const trimmed = from?.trim() ?? "";
  const address = channel === "email" ? (/<([^<>]+)>\s*$/.exec(trimmed)?.[1] ?? trimmed).trim().toLowerCase() : trimmed;
  return `${channel}:${transport}:${address || "default"}`;
}

/** Start (ms since the epoch) of the window of `seconds` that contains `atMs`. */
export function windowStartMs(atMs: number, seconds: number): number {
  const length = seconds * 1000;
  return Math.floor(atMs / length) * length;
}

/** Valid windows, one per length (the tightest when a length is listed twice). */
export function normaliseWindows(windows: readonly SendingWindow[]): SendingWindow[] {
  const byLength = new Map<number, number>();
  for (const { seconds, max } of windows) {
    if (!Number.isInteger(seconds) || seconds < 1 || !Number.isInteger(max) || max < 1) continue;
    byLength.set(seconds, Math.min(max, byLength.get(seconds) ?? Infinity));
  }
  return [...byLength].map(([seconds, max]) => ({ seconds, max }));
}

/** Counts already taken, by `${seconds}:${windowStartMs}`. */
export type WindowCounts = Map<string, number>;

export const countKey = (seconds: number, startMs: number): string => `${seconds}:${startMs}`;

/**
 * When each unit of messages (in order; a unit is one provider call's worth: 1, or the members of a
 * batch call that must go whole) may go, given the counts already taken: `nowMs` for the units that
 * fit in the current windows, else the start of the first window in which every limit has room,
 * counting the units placed before it. Units wait their turn (a later unit never overtakes an
 * earlier one), so a prefix goes now and the rest gets a projected schedule. A unit larger than the
 * tightest limit (a batch replay after the limits were lowered) may go once its windows are empty,
 * and is counted whole, so what follows it waits as the provider's own counters would.
 * `counts` is updated with the units placed (the current windows' increments are what to record).
 */
export function planUnits(
  windows: readonly SendingWindow[],
  counts: WindowCounts,
  nowMs: number,
  units: readonly number[],
): number[] {
  if (windows.length === 0) return units.map(() => nowMs);
  const tightest = Math.min(...windows.map((w) => w.max));
  const times: number[] = [];
  let cursor = nowMs;
  for (const size of units) {
    const need = Math.min(Math.max(size, 1), tightest);
    for (;;) {
      let blockedUntil = -Infinity;
      for (const { seconds, max } of windows) {
        const start = windowStartMs(cursor, seconds);
        if ((counts.get(countKey(seconds, start)) ?? 0) + need > max)
          blockedUntil = Math.max(blockedUntil, start + seconds * 1000);
      }
      if (blockedUntil === -Infinity) break;
      cursor = blockedUntil;
    }
    for (const { seconds } of windows) {
      const key = countKey(seconds, windowStartMs(cursor, seconds));
      counts.set(key, (counts.get(key) ?? 0) + Math.max(size, 1));
    }
    times.push(cursor);
  }
  return times;
}

/**
 * No tokens are granted in the last WINDOW_GUARD_MS of a window: a call granted then could reach
 * the provider after the window ended, where the provider counts it in the next window, on top of
 * the full window we grant at its start, and answers 429 (a 30 s retry). What asks then waits for
 * the next window's start (at most this long). A saturated sender takes its tokens at window
 * starts, so the guard costs it nothing; it only holds back a late straggler.
 */
export const WINDOW_GUARD_MS = 200;

/** When units asking at `nowMs` may be planned from: `nowMs`, or, within the last WINDOW_GUARD_MS of a window, its end. */
export function guardedStartMs(windows: readonly SendingWindow[], nowMs: number): number {
  let start = nowMs;
  for (const { seconds } of windows) {
    const end = windowStartMs(nowMs, seconds) + seconds * 1000;
    if (end - nowMs <= WINDOW_GUARD_MS) start = Math.max(start, end);
  }
  return start;
}

/** How many units of `planUnits`' answer may go now (its leading entries equal to `nowMs`). */
export function grantedCount(times: readonly number[], nowMs: number): number {
  let n = 0;
  while (n < times.length && times[n]! <= nowMs) n++;
  return n;
}
