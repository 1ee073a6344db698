/**
 * Wall-clock arithmetic in IANA time zones with nothing but `Intl` (no time-zone package).
 * Formatters are cached per zone: building an `Intl.DateTimeFormat` costs far more than using
 * one, and a campaign decides for every recipient.
 */

export interface LocalDateTime {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const validity = new Map<string, boolean>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `Intl` knows the zone (canonical names and their aliases, e.g. Asia/Kolkata). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.length > 64) return false;
  const known = validity.get(timeZone);
  if (known !== undefined) return known;
  let valid: boolean;
  try {
    formatterFor(timeZone);
    valid = true;
  } catch {
    valid = false;
  }
  validity.set(timeZone, valid);
  return valid;
}

function partsOf(at: number, timeZone: string): LocalDateTime & { second: number } {
  const values: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(at))) values[part.type] = part.value;
  return {
    year: Number(values.year),
    month: Number(values.month),
    day: Number(values.day),
    hour: Number(values.hour),
    minute: Number(values.minute),
    second: Number(values.second),
    weekday: WEEKDAYS[values.weekday!] ?? 0,
  };
}

/** The wall clock in `timeZone` at the instant `at`. */
export function toLocal(at: Date, timeZone: string): LocalDateTime {
  const { second: _second, ...local } = partsOf(at.getTime(), timeZone);
  return local;
}

/** Offset of the zone from UTC at `at`, in milliseconds (New York in winter: −5 h). */
function offsetAt(at: number, timeZone: string): number {
  const p = partsOf(at, timeZone);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wallAsUtc - Math.floor(at / 1000) * 1000;
}

/**
 * The instant when the wall clock in `timeZone` shows the given date and time. A time that
 * occurs twice (the hour repeated when clocks go back) is its first occurrence; a time that does
 * not exist (skipped when clocks go forward) moves later by the size of the gap, so the result is
 * never before the requested wall time.
 */
export function fromLocal(
  date: { year: number; month: number; day: number },
  time: { hour: number; minute: number },
  timeZone: string,
): Date {
  const wallAsUtc = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute);
  const firstGuess = wallAsUtc - offsetAt(wallAsUtc, timeZone);
  const secondOffset = offsetAt(firstGuess, timeZone);
  const candidate = wallAsUtc - secondOffset;
  const local = partsOf(candidate, timeZone);
  if (local.hour === time.hour && local.minute === time.minute) return new Date(candidate);
  // In a gap: neither offset reproduces the wall time; the later reading is the first valid instant after it.
  return new Date(Math.max(firstGuess, candidate));
}

/** The calendar date `days` after the given one, with its weekday (pure calendar arithmetic). */
export function addDays(
  date: { year: number; month: number; day: number },
  days: number,
): { year: number; month: number; day: number; weekday: number } {
  const at = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate(), weekday: at.getUTCDay() };
}

/** "HH:MM" → minutes after midnight. The caller validated the format. */
export function parseClock(value: string): number {
  const [hours, minutes] = value.split(":");
  return Number(hours) * 60 + Number(minutes);
}

/** Minutes after midnight → "HH:MM". */
export function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}
