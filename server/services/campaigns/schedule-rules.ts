import { RRule, rrulestr } from "rrule";
import type { CampaignOptions, CampaignSchedule } from "@/db/schema";
import { invalid } from "@/server/lib/errors";
import { addDays, fromLocal, isValidTimeZone, parseClock, toLocal } from "@/server/shared/local-time";
import { DEFAULT_FALLBACK_HOUR, MAX_WINDOW_HOURS } from "@/server/shared/send-time";

/**
 * The pure rules of campaign scheduling: when a schedule's runs start, the next occurrence of a
 * recurring rule, the start of a local-time send, and the campaign's sending window. Every time
 * here is computed as a wall clock in a named zone and then turned into an instant
 * (`fromLocal`), so a rule fires once per occurrence at the right wall-clock time across DST
 * changes, whatever the process's own zone.
 */

/** A scheduled time must be at least this far ahead (a little slack for a form submitted at the minute). */
export const MIN_LEAD_MS = 60_000;
/** Earliest UTC offset of any zone (Pacific/Kiritimati, UTC+14): where a local time comes first. */
const EARLIEST_OFFSET_MS = 14 * 60 * 60 * 1000;
/** Recurring rules are refused when they fire more often than this. */
const MIN_RECURRENCE_MS = 60 * 60 * 1000;

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/;

export function parseDate(value: string): { year: number; month: number; day: number } | null {
  const match = DATE.exec(value);
  if (!match) return null;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (check.getUTCMonth() !== date.month - 1 || check.getUTCDate() !== date.day) return null;
  return date;
}

function formatDate(date: { year: number; month: number; day: number }): string {
  return `${date.year}-${String(date.month).padStart(2, "0")}-${String(date.day).padStart(2, "0")}`;
}

/**
 * `at` as given: an ISO instant with an offset or `Z` stands as it is; a wall-clock date and time
 * ("2026-12-10T10:00") is read in `timeZone`.
 */
export function resolveAt(at: string, timeZone: string): Date {
  const local = LOCAL_DATE_TIME.exec(at.trim());
  if (local) {
    const date = parseDate(`${local[1]}-${local[2]}-${local[3]}`);
    if (!date) throw invalid("Not a date", "at");
    return fromLocal(date, { hour: Number(local[4]), minute: Number(local[5]) }, timeZone);
  }
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) throw invalid("Not a date and time", "at");
  return instant;
}

/** A rule as typed (with or without the `RRULE:` prefix); DTSTART and TZID are refused (the schedule's zone and start stand). */
function parseRule(text: string): RRule {
  const body = text.trim().replace(/^RRULE:/i, "");
  if (/DTSTART|TZID|\n/i.test(body)) throw invalid("Give the rule without DTSTART or TZID", "rrule");
  let rule: RRule;
  try {
    rule = rrulestr(`RRULE:${body}`) as RRule;
  } catch {
    throw invalid("Not a recurrence rule (e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=10;BYMINUTE=0;COUNT=8)", "rrule");
  }
  if (!(rule instanceof RRule)) throw invalid("Give one recurrence rule", "rrule");
  const freq = rule.origOptions.freq;
  if (freq === undefined || ![RRule.DAILY, RRule.WEEKLY, RRule.MONTHLY, RRule.YEARLY].includes(freq))
    throw invalid("Recurring campaigns repeat daily, weekly, monthly or yearly", "rrule");
  return rule;
}

/**
 * The rule evaluated on "floating" wall-clock times (UTC fields = local fields), then read in
 * `timeZone`. DTSTART is the anchor's own wall-clock minute: a rule with BYHOUR/BYMINUTE fires at
 * those times from then on (COUNT counts occurrences from the anchor), one without at the
 * anchor's time of day.
 */
function floatingRule(text: string, anchor: Date, timeZone: string): RRule {
  const rule = parseRule(text);
  const local = toLocal(anchor, timeZone);
  const dtstart = new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute));
  return new RRule({ ...rule.origOptions, dtstart, tzid: null });
}

function floatingToInstant(floating: Date, timeZone: string): Date {
  return fromLocal(
    { year: floating.getUTCFullYear(), month: floating.getUTCMonth() + 1, day: floating.getUTCDate() },
    { hour: floating.getUTCHours(), minute: floating.getUTCMinutes() },
    timeZone,
  );
}

function instantToFloating(at: Date, timeZone: string): Date {
  const local = toLocal(at, timeZone);
  return new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute));
}

/**
 * The first occurrence strictly after `after` of a recurring schedule anchored at `anchor` (when
 * it was scheduled: DTSTART is the anchor's date, at BYHOUR:BYMINUTE when the rule gives them), or
 * null when the rule has ended (COUNT spent, UNTIL passed).
 */
export function nextOccurrence(schedule: { rrule: string; timezone: string }, anchor: Date, after: Date): Date | null {
  const rule = floatingRule(schedule.rrule, anchor, schedule.timezone);
  // Search from one day before in floating time (a zone's offset), then keep the first instant after `after`.
  let cursor = new Date(instantToFloating(after, schedule.timezone).getTime() - 2 * 24 * 60 * 60 * 1000);
  for (let i = 0; i < 10; i++) {
    const next = rule.after(cursor, false);
    if (!next) return null;
    const instant = floatingToInstant(next, schedule.timezone);
    if (instant.getTime() > after.getTime()) return instant;
    cursor = next;
  }
  return null;
}

/** The occurrences of a recurring schedule from `anchor` on (for previews and tests), at most `limit`. */
export function occurrences(schedule: { rrule: string; timezone: string }, anchor: Date, limit: number): Date[] {
  const found: Date[] = [];
  let after = new Date(anchor.getTime() - 1);
  while (found.length < limit) {
    const next = nextOccurrence(schedule, anchor, after);
    if (!next) break;
    found.push(next);
    after = next;
  }
  return found;
}

/** A rule must not repeat more often than hourly: two occurrences under an hour apart are refused. */
function checkRecurrenceSpacing(schedule: { rrule: string; timezone: string }, anchor: Date): void {
  const [first, second] = occurrences(schedule, anchor, 2);
  if (!first) throw invalid("This rule has no occurrence after now", "rrule");
  if (second && second.getTime() - first.getTime() < MIN_RECURRENCE_MS)
    throw invalid("A recurring campaign repeats at most hourly", "rrule");
}

/**
 * The schedule input of the API, checked: `{}` now, `{at, timezone}`, `{localTime, date?, late?}`,
 * `{rrule, timezone}`, `{bestHour: {windowStart, windowHours?, fallbackHour?}, timezone?}`.
 */
export interface ScheduleRequest {
  at?: string;
  timezone?: string;
  localTime?: string;
  date?: string;
  late?: "next_day" | "send_now";
  rrule?: string;
  bestHour?: { windowStart: string; windowHours?: number; fallbackHour?: number };
}

/**
 * Turns a schedule request into the stored schedule and the time of its first run. `workspaceZone`
 * is the zone used when none is given (and the date of a local-time send defaults to today there).
 */
export function planSchedule(
  request: ScheduleRequest,
  now: Date,
  workspaceZone: string,
): { schedule: CampaignSchedule; firstRunAt: Date } {
  const given = ["at", "localTime", "rrule", "bestHour"].filter(
    (key) => request[key as keyof ScheduleRequest] !== undefined,
  );
  if (given.length > 1) throw invalid("Give one of at, localTime, rrule or bestHour", given[1]!);
  const timezone = request.timezone ?? workspaceZone;
  if (!isValidTimeZone(timezone)) throw invalid("Unknown time zone", "timezone");

  if (request.at !== undefined) {
    const at = resolveAt(request.at, timezone);
    if (at.getTime() < now.getTime() - MIN_LEAD_MS) throw invalid("This time has passed", "at");
    return { schedule: { type: "at", at: at.toISOString(), timezone }, firstRunAt: at };
  }
  if (request.localTime !== undefined) {
    if (!CLOCK.test(request.localTime)) throw invalid("Give the time as HH:MM", "localTime");
    const today = toLocal(now, workspaceZone);
    const dateText = request.date ?? formatDate(today);
    const date = parseDate(dateText);
    if (!date) throw invalid("Give the date as YYYY-MM-DD", "date");
    // The earliest zone reaches the local time first: the run (and its audience freeze) starts then.
    const minutes = parseClock(request.localTime);
    const wallAsUtc = Date.UTC(date.year, date.month - 1, date.day, Math.floor(minutes / 60), minutes % 60);
    const earliest = new Date(wallAsUtc - EARLIEST_OFFSET_MS);
    const lastZone = addDays(date, 2);
    if (Date.UTC(lastZone.year, lastZone.month - 1, lastZone.day) < now.getTime())
      throw invalid("This date has passed in every time zone", "date");
    return {
      schedule: { type: "local", localTime: request.localTime, date: dateText, late: request.late ?? "next_day" },
      firstRunAt: earliest.getTime() > now.getTime() ? earliest : now,
    };
  }
  if (request.bestHour !== undefined) {
    const { windowHours = MAX_WINDOW_HOURS, fallbackHour = DEFAULT_FALLBACK_HOUR } = request.bestHour;
    if (!Number.isInteger(windowHours) || windowHours < 1 || windowHours > MAX_WINDOW_HOURS)
      throw invalid(`Give the window as 1 to ${MAX_WINDOW_HOURS} hours`, "bestHour.windowHours");
    if (!Number.isInteger(fallbackHour) || fallbackHour < 0 || fallbackHour > 23)
      throw invalid("Give the fallback hour as 0 to 23", "bestHour.fallbackHour");
    let start: Date;
    try {
      start = resolveAt(request.bestHour.windowStart, timezone);
    } catch {
      throw invalid("Not a date and time", "bestHour.windowStart");
    }
    if (start.getTime() < now.getTime() - MIN_LEAD_MS) throw invalid("This time has passed", "bestHour.windowStart");
    // The run (and its audience freeze) starts with the window: no one is sent before it.
    const windowStart = start.getTime() > now.getTime() ? start : now;
    return {
      schedule: { type: "best_hour", windowStart: windowStart.toISOString(), windowHours, fallbackHour, timezone },
      firstRunAt: windowStart,
    };
  }
  if (request.rrule !== undefined) {
    const schedule = { rrule: request.rrule.trim().replace(/^RRULE:/i, ""), timezone };
    checkRecurrenceSpacing(schedule, now);
    const first = nextOccurrence(schedule, now, new Date(now.getTime() - 1))!;
    return { schedule: { type: "recurring", ...schedule }, firstRunAt: first };
  }
  return { schedule: { type: "now" }, firstRunAt: now };
}

/** Whether `at` falls inside the campaign's sending window (in `timeZone`); no window = always. */
export function insideSendingWindow(window: CampaignOptions["sendingWindow"], at: Date, timeZone: string): boolean {
  if (!window) return true;
  const local = toLocal(at, timeZone);
  const minutes = local.hour * 60 + local.minute;
  return window.days.includes(local.weekday) && minutes >= parseClock(window.start) && minutes < parseClock(window.end);
}

/** The next instant the sending window opens after `at` (within two weeks), or null when it never does. */
export function nextWindowOpening(
  window: NonNullable<CampaignOptions["sendingWindow"]>,
  at: Date,
  timeZone: string,
): Date | null {
  const start = parseClock(window.start);
  const today = toLocal(at, timeZone);
  for (let offset = 0; offset <= 14; offset++) {
    const day = addDays(today, offset);
    if (!window.days.includes(day.weekday)) continue;
    const opening = fromLocal(day, { hour: Math.floor(start / 60), minute: start % 60 }, timeZone);
    if (opening.getTime() > at.getTime()) return opening;
  }
  return null;
}

/** Default number of final errors before a run pauses (`errorPolicy: "pause"`). */
export const DEFAULT_MAX_ERRORS = 100;
/** Default share of the first 1,000 sends that may fail before a run pauses. */
export const DEFAULT_ERROR_SHARE = 0.05;
/** Default tolerance between the reviewed dry run and the one at freeze. */
export const DEFAULT_DRIFT_TOLERANCE = 0.1;

/** Whether a run with these figures should pause under its error policy. */
export function errorPolicyTrips(options: CampaignOptions, failed: number, attempted: number): boolean {
  if (options.errorPolicy === "skip") return false;
  const max = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  if (failed >= max) return true;
  if (options.maxErrors === undefined && attempted >= 100 && attempted <= 1000)
    return failed / attempted >= DEFAULT_ERROR_SHARE;
  return false;
}

/** Whether `current` moved from `reviewed` by more than `tolerance` (a share of the reviewed figure). */
export function drifted(reviewed: number, current: number, tolerance: number): boolean {
  if (reviewed === 0) return current > 0;
  return Math.abs(current - reviewed) / reviewed > tolerance;
}
