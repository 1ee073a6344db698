import { addDays, fromLocal, toLocal } from "./local-time";

/**
 * Pure helpers of the analytics dashboard and its API: date ranges in the workspace's zone, the
 * rates' maths and the sections. Shared by the services, the CSV route and the UI.
 */

/** The dashboard's sections; each is one query, one chart with its table, and one CSV download. */
export const ANALYTICS_SECTIONS = ["delivery", "blocked", "consent-trend", "best-hour", "top-forms"] as const;
export type AnalyticsSection = (typeof ANALYTICS_SECTIONS)[number];

/** The range presets of the dashboard, in days ending today. */
export const RANGE_PRESETS = [7, 30, 90] as const;
export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date "YYYY-MM-DD" that exists, as its parts; null otherwise. */
export function parseDay(value: string): { year: number; month: number; day: number } | null {
  const m = DATE.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const at = new Date(Date.UTC(year, month - 1, day));
  if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day) return null;
  return { year, month, day };
}

export function formatDay(date: { year: number; month: number; day: number }): string {
  return `${String(date.year).padStart(4, "0")}-${String(date.month).padStart(2, "0")}-${String(date.day).padStart(2, "0")}`;
}

/** Shifts "YYYY-MM-DD" by `days` calendar days. */
export function shiftDay(value: string, days: number): string {
  const parsed = parseDay(value);
  if (!parsed) throw new Error(`Not a date: ${value}`);
  return formatDay(addDays(parsed, days));
}

/** Whole days from `from` to `to`, both included (1 for the same day). */
export function daysInRange(from: string, to: string): number {
  const a = parseDay(from);
  const b = parseDay(to);
  if (!a || !b) throw new Error("Not a date");
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000) + 1;
}

/** Every day of the range, in order. */
export function eachDay(from: string, to: string): string[] {
  const n = daysInRange(from, to);
  return Array.from({ length: Math.max(0, n) }, (_, i) => shiftDay(from, i));
}

/** Today's date in `timeZone`. */
export function todayIn(now: Date, timeZone: string): string {
  return formatDay(toLocal(now, timeZone));
}

export interface DayRange {
  /** First day, "YYYY-MM-DD" in the workspace's zone. */
  from: string;
  /** Last day, included. */
  to: string;
}

export type RangeProblem = { field: "from" | "to"; message: string };

/**
 * The range asked for, completed and checked: `to` defaults to today, `from` to `to` minus 29 days
 * (30 days in all); `from` after `to`, a bad date or more than 366 days is a problem.
 */
export function resolveRange(
  input: { from?: string; to?: string },
  today: string,
): { ok: true; range: DayRange } | { ok: false; problem: RangeProblem } {
  if (input.to !== undefined && !parseDay(input.to))
    return { ok: false, problem: { field: "to", message: "Not a date (YYYY-MM-DD)" } };
  if (input.from !== undefined && !parseDay(input.from))
    return { ok: false, problem: { field: "from", message: "Not a date (YYYY-MM-DD)" } };
  const to = input.to ?? (input.from && input.from > today ? input.from : today);
  const from = input.from ?? shiftDay(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) return { ok: false, problem: { field: "from", message: "`from` is after `to`" } };
  if (daysInRange(from, to) > MAX_RANGE_DAYS)
    return { ok: false, problem: { field: "from", message: `At most ${MAX_RANGE_DAYS} days` } };
  return { ok: true, range: { from, to } };
}

/** The preset range of `days` days ending today. */
export function presetRange(days: number, today: string): DayRange {
  return { from: shiftDay(today, -(days - 1)), to: today };
}

/** The instants where the range starts (its first midnight) and ends (the midnight after its last day) in `timeZone`. */
export function rangeInstants(range: DayRange, timeZone: string): { start: Date; end: Date } {
  const from = parseDay(range.from)!;
  const after = addDays(parseDay(range.to)!, 1);
  return {
    start: fromLocal(from, { hour: 0, minute: 0 }, timeZone),
    end: fromLocal(after, { hour: 0, minute: 0 }, timeZone),
  };
}

/** `part / whole`, or null when there is nothing to divide by (no rate rather than 0 %). Capped at 1. */
export function rate(part: number, whole: number): number | null {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return null;
  return Math.min(1, Math.max(0, part / whole));
}

/** A rate as a percentage for people ("12.5 %"), "—" when there is none. */
export function formatRate(value: number | null, digits = 1): string {
  if (value === null) return "—";
  return `${(value * 100).toFixed(digits)} %`;
}

/** A signed count ("+12", "−3", "0"). */
export function formatSigned(value: number): string {
  if (value > 0) return `+${value.toLocaleString("en-US")}`;
  if (value < 0) return `−${Math.abs(value).toLocaleString("en-US")}`;
  return "0";
}

/** Messages an hour needs before it can be called the best send hour (fewer say nothing). */
export const BEST_HOUR_MIN_SAMPLE = 10;

/**
 * The hour with the highest rate among hours with at least `minSample` messages; ties go to the
 * larger sample, then the earlier hour. Null when no hour qualifies.
 */
export function bestHour(
  hours: readonly { hour: number; delivered: number; rate: number | null }[],
  minSample = BEST_HOUR_MIN_SAMPLE,
): number | null {
  let best: { hour: number; delivered: number; rate: number } | null = null;
  for (const h of hours) {
    if (h.rate === null || h.delivered < minSample) continue;
    if (!best || h.rate > best.rate || (h.rate === best.rate && h.delivered > best.delivered)) {
      best = { hour: h.hour, delivered: h.delivered, rate: h.rate };
    }
  }
  return best?.hour ?? null;
}
