import { inArray, sql } from "drizzle-orm";
import { rateLimits } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { hmacHex } from "./hashing";
import { getSecrets } from "./secrets";

/**
 * Rate limits kept in the `rate_limits` table, so they hold across processes and restarts.
 *
 * A rule counts hits in a window (a new window opens at the first hit after the old one passed)
 * and blocks in one of two ways:
 * - `limit`: after `limit` hits the key is blocked until the window ends (a plain quota);
 * - `backoff`: the first `free` hits cost nothing; from then on hit n blocks the key for
 *   `baseMs · 2^(n − free)`, capped at `capMs` (1 s, 2 s, 4 s … 15 min): it slows, it never
 *   locks for longer than the cap.
 * Each hit is one upsert; reading the state of several keys is one select.
 */
export type LimitRule =
  | { windowMs: number; limit: number; backoff?: never }
  | { windowMs: number; limit?: never; backoff: { free: number; baseMs: number; capMs: number } };

export interface LimitState {
  count: number;
  windowStart: Date;
  blockedUntil: Date | null;
}

/** Back-off after the `failures`-th counted failure: 0 while free, then base · 2^(failures − free), capped. Pure. */
export function backoffDelayMs(
  failures: number,
  { free, baseMs, capMs }: { free: number; baseMs: number; capMs: number },
): number {
  if (failures < free) return 0;
  const exponent = Math.min(failures - free, 40);
  return Math.min(capMs, baseMs * 2 ** exponent);
}

/** When a key with `count` hits in a window opened at `windowStart` is blocked until; null = not blocked. Pure. */
export function blockedUntilFor(rule: LimitRule, count: number, windowStart: Date, now: Date): Date | null {
  if (rule.backoff) {
    const delay = backoffDelayMs(count, rule.backoff);
    return delay > 0 ? new Date(now.getTime() + delay) : null;
  }
  return count >= rule.limit ? new Date(windowStart.getTime() + rule.windowMs) : null;
}

/** Whether a state (of a window still open) refuses a request at `now`. */
export function isBlocked(state: LimitState | undefined, now: Date): boolean {
  return Boolean(state?.blockedUntil && state.blockedUntil.getTime() > now.getTime());
}

/** Hits counted in the current window of `rule` (0 when none, or the window has passed). */
export function activeCount(state: LimitState | undefined, rule: LimitRule, now: Date): number {
  if (!state || state.windowStart.getTime() + rule.windowMs <= now.getTime()) return 0;
  return state.count;
}

/**
 * A limit key that names no address: `<name>:` + HMAC(APP_SECRET, subject parts). The table never
 * holds an email address or an IP in clear.
 */
export function limitKey(name: string, ...subject: string[]): string {
  return `${name}:${hmacHex(getSecrets().appSecret, `rate-limit\u0000${name}\u0000${subject.join("\u0000")}`).slice(0, 40)}`;
}

/** Counts one hit for `key` under `rule` (one upsert) and answers the new state. */
export async function recordHit(db: Queryable, key: string, rule: LimitRule, now: Date): Promise<LimitState> {
  const nowIso = now.toISOString();
  const windowMs = rule.windowMs;
  const passed = sql`${rateLimits.windowStart} <= ${nowIso}::timestamptz - ${windowMs}::float8 * interval '1 millisecond'`;
  const newCount = sql`(case when ${passed} then 1 else ${rateLimits.count} + 1 end)`;
  const newStart = sql`(case when ${passed} then ${nowIso}::timestamptz else ${rateLimits.windowStart} end)`;
  const blocked = rule.backoff
    ? sql`(case when ${newCount} >= ${rule.backoff.free}::int
        then ${nowIso}::timestamptz + least(${rule.backoff.capMs}::float8, ${rule.backoff.baseMs}::float8 * power(2::float8, least(${newCount} - ${rule.backoff.free}::int, 40)))
          * interval '1 millisecond'
        else null end)`
    : sql`(case when ${newCount} >= ${rule.limit}::int then ${newStart} + ${windowMs}::float8 * interval '1 millisecond' else null end)`;
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStart: now, count: 1, blockedUntil: blockedUntilFor(rule, 1, now, now) })
    .onConflictDoUpdate({
      target: rateLimits.key,
      // Every expression reads the row as it was before this update (SQL semantics), so they agree.
      set: { count: newCount, windowStart: newStart, blockedUntil: blocked },
    })
    .returning({ count: rateLimits.count, windowStart: rateLimits.windowStart, blockedUntil: rateLimits.blockedUntil });
  return row!;
}

/** The stored state of each key that has a row. */
export async function readLimits(db: Queryable, keys: string[]): Promise<Map<string, LimitState>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select({
      key: rateLimits.key,
      count: rateLimits.count,
      windowStart: rateLimits.windowStart,
      blockedUntil: rateLimits.blockedUntil,
    })
    .from(rateLimits)
    .where(inArray(rateLimits.key, keys));
  return new Map(rows.map(({ key, ...state }) => [key, state]));
}

/** Forgets a key (e.g. an account's failures from one address after a successful sign-in). */
export async function clearLimit(db: Queryable, key: string): Promise<void> {
  await db.delete(rateLimits).where(inArray(rateLimits.key, [key]));
}
