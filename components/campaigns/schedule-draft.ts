import { RRule, rrulestr } from "rrule";
import type { TCampaign, TScheduleCampaignInput, TUpdateCampaignOptionsInput } from "@/server/services/campaigns";
import { addDays, fromLocal, toLocal } from "@/server/shared/local-time";

/**
 * The schedule step's and the sending options' working copies (strings, as the inputs hold
 * them), turned into what `campaigns.schedule` and `campaigns.updateOptions` take, and the
 * sentences the progress tab shows for a schedule. Pure, apart from `rrule` for the preview.
 */

export type CampaignSchedule = NonNullable<TCampaign["schedule"]>;
export type CampaignOptions = TUpdateCampaignOptionsInput["options"];

export type ScheduleMode = "now" | "at" | "local" | "best_hour" | "recurring";
export type Frequency = "daily" | "weekly" | "monthly";
export type RecurrenceEnd = "count" | "until" | "never";

/** RFC 5545 weekday codes, Monday first (the order the form lists them in). */
export const WEEKDAYS = [
  ["MO", "Monday"],
  ["TU", "Tuesday"],
  ["WE", "Wednesday"],
  ["TH", "Thursday"],
  ["FR", "Friday"],
  ["SA", "Saturday"],
  ["SU", "Sunday"],
] as const;
export type Weekday = (typeof WEEKDAYS)[number][0];
const WEEKDAY_CODES: readonly string[] = WEEKDAYS.map(([code]) => code);
/** `toLocal().weekday` (0 = Sunday) → RFC 5545 code. */
const CODE_OF_WEEKDAY: Weekday[] = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];

/** Days of the sending window as the options store them (0 = Sunday … 6 = Saturday), Monday first. */
export const WINDOW_DAYS = [
  [1, "Mon"],
  [2, "Tue"],
  [3, "Wed"],
  [4, "Thu"],
  [5, "Fri"],
  [6, "Sat"],
  [0, "Sun"],
] as const;

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface ScheduleDraft {
  mode: ScheduleMode;
  /** "At a time", "local time" and "best hour" (the window's start): the date (YYYY-MM-DD). */
  date: string;
  /** "At a time", "local time" and "best hour" (the window's start): HH:MM. */
  time: string;
  /** "At a time", "best hour" and "recurring": the zone the time is read in. */
  timezone: string;
  /** Best hour: the window's length in hours, 1–24. */
  windowHours: string;
  /** Best hour: the local hour (0–23) used while the workspace has too little history. */
  fallbackHour: string;
  late: "next_day" | "send_now";
  frequency: Frequency;
  weekdays: Weekday[];
  /** Monthly: day of the month, 1–31. */
  monthDay: string;
  /** Recurring: HH:MM. */
  recurTime: string;
  ends: RecurrenceEnd;
  count: string;
  /** Recurring, `ends: "until"`: the last day (YYYY-MM-DD), included. */
  until: string;
}

const pad = (n: number) => String(n).padStart(2, "0");
const dateText = (d: { year: number; month: number; day: number }) => `${d.year}-${pad(d.month)}-${pad(d.day)}`;

/** A fresh form: tomorrow at 10:00 in the workspace's zone, weekly on tomorrow's weekday, 8 times. */
export function defaultScheduleDraft(workspaceZone: string, now: Date): ScheduleDraft {
  const tomorrow = addDays(toLocal(now, workspaceZone), 1);
  return {
    mode: "now",
    date: dateText(tomorrow),
    time: "10:00",
    timezone: workspaceZone,
    windowHours: "24",
    fallbackHour: "10",
    late: "next_day",
    frequency: "weekly",
    weekdays: [CODE_OF_WEEKDAY[tomorrow.weekday]!],
    monthDay: String(tomorrow.day),
    recurTime: "10:00",
    ends: "count",
    count: "8",
    until: "",
  };
}

/** The form for a campaign that already has a schedule (a reschedule starts from it). */
export function scheduleDraftFrom(schedule: CampaignSchedule | null, workspaceZone: string, now: Date): ScheduleDraft {
  const base = defaultScheduleDraft(workspaceZone, now);
  if (!schedule) return base;
  switch (schedule.type) {
    case "now":
      return base;
    case "at": {
      const local = toLocal(new Date(schedule.at), schedule.timezone);
      return {
        ...base,
        mode: "at",
        date: dateText(local),
        time: `${pad(local.hour)}:${pad(local.minute)}`,
        timezone: schedule.timezone,
      };
    }
    case "local":
      return { ...base, mode: "local", date: schedule.date, time: schedule.localTime, late: schedule.late };
    case "best_hour": {
      const local = toLocal(new Date(schedule.windowStart), schedule.timezone);
      return {
        ...base,
        mode: "best_hour",
        date: dateText(local),
        time: `${pad(local.hour)}:${pad(local.minute)}`,
        timezone: schedule.timezone,
        windowHours: String(schedule.windowHours),
        fallbackHour: String(schedule.fallbackHour),
      };
    }
    case "recurring": {
      const rule = parseRrule(schedule.rrule);
      return { ...base, ...(rule ?? {}), mode: "recurring", timezone: schedule.timezone };
    }
  }
}

/** The RRULE of the recurring part of the form, e.g. `FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=10;BYMINUTE=0;COUNT=8`. */
export function buildRrule(draft: Pick<ScheduleDraft, RecurringField>): string {
  const [hour, minute] = draft.recurTime.split(":").map(Number);
  const parts = [`FREQ=${draft.frequency.toUpperCase()}`];
  if (draft.frequency === "weekly" && draft.weekdays.length > 0)
    parts.push(
      `BYDAY=${[...draft.weekdays].sort((a, b) => WEEKDAY_CODES.indexOf(a) - WEEKDAY_CODES.indexOf(b)).join(",")}`,
    );
  if (draft.frequency === "monthly" && draft.monthDay.trim()) parts.push(`BYMONTHDAY=${Number(draft.monthDay)}`);
  parts.push(`BYHOUR=${hour ?? 0}`, `BYMINUTE=${minute ?? 0}`);
  if (draft.ends === "count") parts.push(`COUNT=${Number(draft.count)}`);
  // The server reads the rule in the schedule's zone: the last second of that day keeps the day itself.
  if (draft.ends === "until" && DATE.test(draft.until)) parts.push(`UNTIL=${draft.until.replaceAll("-", "")}T235959Z`);
  return parts.join(";");
}

type RecurringField = "frequency" | "weekdays" | "monthDay" | "recurTime" | "ends" | "count" | "until";

/** The form fields of a rule this form could have built; null for any other rule. */
export function parseRrule(text: string): Pick<ScheduleDraft, RecurringField> | null {
  const fields = new Map<string, string>();
  for (const part of text
    .trim()
    .replace(/^RRULE:/i, "")
    .split(";")) {
    const [key, value] = part.split("=");
    if (!key || value === undefined) return null;
    fields.set(key.toUpperCase(), value.toUpperCase());
  }
  const frequency = fields.get("FREQ")?.toLowerCase();
  if (frequency !== "daily" && frequency !== "weekly" && frequency !== "monthly") return null;
  const known = new Set(["FREQ", "BYDAY", "BYMONTHDAY", "BYHOUR", "BYMINUTE", "COUNT", "UNTIL"]);
  if ([...fields.keys()].some((key) => !known.has(key))) return null;
  const weekdays = (fields.get("BYDAY") ?? "").split(",").filter(Boolean);
  if (weekdays.some((day) => !WEEKDAY_CODES.includes(day))) return null;
  const hour = Number(fields.get("BYHOUR") ?? "0");
  const minute = Number(fields.get("BYMINUTE") ?? "0");
  if (!Number.isInteger(hour) || !Number.isInteger(minute) || hour > 23 || minute > 59) return null;
  const until = /^(\d{4})(\d{2})(\d{2})/.exec(fields.get("UNTIL") ?? "");
  return {
    frequency,
    weekdays: weekdays as Weekday[],
    monthDay: fields.get("BYMONTHDAY") ?? "1",
    recurTime: `${pad(hour)}:${pad(minute)}`,
    ends: fields.has("COUNT") ? "count" : until ? "until" : "never",
    count: fields.get("COUNT") ?? "8",
    until: until ? `${until[1]}-${until[2]}-${until[3]}` : "",
  };
}

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

/**
 * What `campaigns.schedule` takes for the form, or the errors to show first. Error keys are the
 * server's (`at`, `timezone`, `localTime`, `date`, `rrule`, `bestHour.windowHours`,
 * `bestHour.fallbackHour`) plus `time`, `weekdays`, `count`,
 * `until` and `monthDay` for the parts of the rule the form builds.
 */
export function scheduleInput(id: string, draft: ScheduleDraft): Checked<TScheduleCampaignInput> {
  const errors: Record<string, string> = {};
  switch (draft.mode) {
    case "now":
      return { ok: true, value: { id } };
    case "at":
      if (!DATE.test(draft.date)) errors.at = "Choose a date";
      if (!CLOCK.test(draft.time)) errors.time = "Give the time as HH:MM";
      if (!draft.timezone) errors.timezone = "Choose a time zone";
      return Object.keys(errors).length
        ? { ok: false, errors }
        : { ok: true, value: { id, at: `${draft.date}T${draft.time}`, timezone: draft.timezone } };
    case "local":
      if (!DATE.test(draft.date)) errors.date = "Choose a date";
      if (!CLOCK.test(draft.time)) errors.localTime = "Give the time as HH:MM";
      return Object.keys(errors).length
        ? { ok: false, errors }
        : { ok: true, value: { id, localTime: draft.time, date: draft.date, late: draft.late } };
    case "best_hour": {
      if (!DATE.test(draft.date)) errors.date = "Choose a date";
      if (!CLOCK.test(draft.time)) errors.time = "Give the time as HH:MM";
      if (!draft.timezone) errors.timezone = "Choose a time zone";
      const windowHours = Number(draft.windowHours);
      if (!draft.windowHours.trim() || !Number.isInteger(windowHours) || windowHours < 1 || windowHours > 24)
        errors["bestHour.windowHours"] = "Give a number of hours from 1 to 24";
      const fallbackHour = Number(draft.fallbackHour);
      if (!draft.fallbackHour.trim() || !Number.isInteger(fallbackHour) || fallbackHour < 0 || fallbackHour > 23)
        errors["bestHour.fallbackHour"] = "Give an hour from 0 to 23";
      return Object.keys(errors).length
        ? { ok: false, errors }
        : {
            ok: true,
            value: {
              id,
              timezone: draft.timezone,
              bestHour: { windowStart: `${draft.date}T${draft.time}`, windowHours, fallbackHour },
            },
          };
    }
    case "recurring": {
      if (!CLOCK.test(draft.recurTime)) errors.recurTime = "Give the time as HH:MM";
      if (draft.frequency === "weekly" && draft.weekdays.length === 0) errors.weekdays = "Choose at least one day";
      const monthDay = Number(draft.monthDay);
      if (draft.frequency === "monthly" && !(Number.isInteger(monthDay) && monthDay >= 1 && monthDay <= 31))
        errors.monthDay = "Give a day from 1 to 31";
      const count = Number(draft.count);
      if (draft.ends === "count" && !(Number.isInteger(count) && count >= 1 && count <= 1000))
        errors.count = "Give a number from 1 to 1,000";
      if (draft.ends === "until" && !DATE.test(draft.until)) errors.until = "Choose the last date";
      if (!draft.timezone) errors.timezone = "Choose a time zone";
      return Object.keys(errors).length
        ? { ok: false, errors }
        : { ok: true, value: { id, rrule: buildRrule(draft), timezone: draft.timezone } };
    }
  }
}

/** The best-hour window of the form as an instant (for the dry run's preview), or null while the date or time is incomplete. */
export function bestHourWindowOf(
  draft: Pick<ScheduleDraft, "date" | "time" | "timezone" | "windowHours" | "fallbackHour">,
): { windowStart: string; windowHours: number; fallbackHour: number } | null {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(draft.date);
  if (!day || !CLOCK.test(draft.time) || !draft.timezone) return null;
  const windowHours = Number(draft.windowHours);
  const fallbackHour = Number(draft.fallbackHour);
  if (!Number.isInteger(windowHours) || windowHours < 1 || windowHours > 24) return null;
  if (!Number.isInteger(fallbackHour) || fallbackHour < 0 || fallbackHour > 23) return null;
  const [hour, minute] = draft.time.split(":").map(Number);
  const start = fromLocal(
    { year: Number(day[1]), month: Number(day[2]), day: Number(day[3]) },
    { hour: hour!, minute: minute! },
    draft.timezone,
  );
  return { windowStart: start.toISOString(), windowHours, fallbackHour };
}

/**
 * The next `limit` occurrences of a rule read in `timeZone` from `now`, computed as the server
 * does (the rule on wall-clock times, anchored at this minute, then read in the zone). A preview:
 * the server's answer is the one that counts. An unreadable rule has none.
 */
export function previewOccurrences(rrule: string, timeZone: string, now: Date, limit: number): Date[] {
  try {
    const parsed = rrulestr(`RRULE:${rrule}`);
    if (!(parsed instanceof RRule)) return [];
    const local = toLocal(now, timeZone);
    const dtstart = new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute));
    const rule = new RRule({ ...parsed.origOptions, dtstart, tzid: null });
    return rule
      .all((_, i) => i < limit + 1)
      .map((floating) =>
        fromLocal(
          { year: floating.getUTCFullYear(), month: floating.getUTCMonth() + 1, day: floating.getUTCDate() },
          { hour: floating.getUTCHours(), minute: floating.getUTCMinutes() },
          timeZone,
        ),
      )
      .filter((at) => at.getTime() > now.getTime())
      .slice(0, limit);
  } catch {
    return [];
  }
}

/** `2026-12-10 10:00` in `timeZone`. */
export function formatInZone(at: Date, timeZone: string): string {
  const local = toLocal(at, timeZone);
  return `${dateText(local)} ${pad(local.hour)}:${pad(local.minute)}`;
}

function listOf(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/** "Every week on Monday and Wednesday at 10:00", "Every month on day 1 at 09:30, 8 times"; null when the rule is not one the form builds. */
export function describeRrule(rrule: string): string | null {
  const rule = parseRrule(rrule);
  if (!rule) return null;
  const days = rule.weekdays.map((code) => WEEKDAYS.find(([c]) => c === code)![1]);
  const when =
    rule.frequency === "daily"
      ? "Every day"
      : rule.frequency === "weekly"
        ? days.length
          ? `Every week on ${listOf(days)}`
          : "Every week"
        : `Every month on day ${rule.monthDay}`;
  const end =
    rule.ends === "count"
      ? `, ${rule.count} ${rule.count === "1" ? "time" : "times"}`
      : rule.ends === "until"
        ? `, until ${rule.until}`
        : "";
  return `${when} at ${rule.recurTime}${end}`;
}

/**
 * The schedule in one sentence: "Sends at 10:00 in each recipient's time zone on 2026-12-10",
 * "Every week on Monday at 10:00 (America/New_York)", "Sends at 2026-12-10 10:00 (Europe/Paris)".
 */
export function describeSchedule(schedule: CampaignSchedule | null): string {
  if (!schedule) return "Not scheduled yet";
  switch (schedule.type) {
    case "now":
      return "Sent as soon as it was scheduled";
    case "at":
      return `Sends at ${formatInZone(new Date(schedule.at), schedule.timezone)} (${schedule.timezone})`;
    case "local":
      return `Sends at ${schedule.localTime} in each recipient's time zone on ${schedule.date}; where that time has already passed when it starts, ${schedule.late === "send_now" ? "at once" : "the next day"}`;
    case "best_hour":
      return `Sends at each recipient's best hour (from their own opens and clicks, else the workspace's) within ${schedule.windowHours} ${schedule.windowHours === 1 ? "hour" : "hours"} from ${formatInZone(new Date(schedule.windowStart), schedule.timezone)} (${schedule.timezone})`;
    case "recurring":
      return `${describeRrule(schedule.rrule) ?? `Recurring (${schedule.rrule})`} (${schedule.timezone})`;
  }
}

// ─── Sending options ─────────────────────────────────────────────────────────

export interface OptionsDraft {
  errorPolicy: "pause" | "skip";
  /** Empty: the default (100, or 5% of the first 1,000 sent). */
  maxErrors: string;
  /** Empty: as fast as the sender's limits allow. */
  pacingHours: string;
  windowOn: boolean;
  windowDays: number[];
  windowStart: string;
  windowEnd: string;
  /** Percent, 0–100 (the options store a share, 0–1). */
  driftPercent: string;
  ignoreFrequencyCaps: boolean;
}

/** Shares are shown as whole percents where they are whole (0.1 → "10"). */
const percentText = (share: number) => String(Math.round(share * 10_000) / 100);

export function optionsDraftFrom(options: CampaignOptions): OptionsDraft {
  return {
    errorPolicy: options.errorPolicy ?? "pause",
    maxErrors: options.maxErrors !== undefined ? String(options.maxErrors) : "",
    pacingHours: options.pacingHours != null ? String(options.pacingHours) : "",
    windowOn: !!options.sendingWindow,
    windowDays: options.sendingWindow?.days ?? [1, 2, 3, 4, 5],
    windowStart: options.sendingWindow?.start ?? "09:00",
    windowEnd: options.sendingWindow?.end ?? "17:00",
    driftPercent: percentText(options.driftTolerance ?? 0.1),
    ignoreFrequencyCaps: options.ignoreFrequencyCaps ?? false,
  };
}

/** The options for `campaigns.updateOptions`, or errors keyed like the server's (`options.maxErrors`…). */
export function optionsFromDraft(draft: OptionsDraft): Checked<CampaignOptions> {
  const errors: Record<string, string> = {};
  const options: CampaignOptions = { errorPolicy: draft.errorPolicy };
  if (draft.errorPolicy === "pause" && draft.maxErrors.trim()) {
    const max = Number(draft.maxErrors);
    if (!Number.isInteger(max) || max < 1 || max > 1_000_000)
      errors["options.maxErrors"] = "Give a whole number from 1";
    else options.maxErrors = max;
  }
  if (draft.pacingHours.trim()) {
    const hours = Number(draft.pacingHours);
    if (!Number.isFinite(hours) || hours < 0.1 || hours > 72)
      errors["options.pacingHours"] = "Give a number of hours from 0.1 to 72";
    else options.pacingHours = hours;
  } else options.pacingHours = null;
  if (draft.windowOn) {
    if (draft.windowDays.length === 0) errors["options.sendingWindow.days"] = "Choose at least one day";
    if (!CLOCK.test(draft.windowStart)) errors["options.sendingWindow.start"] = "Give the time as HH:MM";
    if (!CLOCK.test(draft.windowEnd)) errors["options.sendingWindow.end"] = "Give the time as HH:MM";
    else if (CLOCK.test(draft.windowStart) && draft.windowEnd <= draft.windowStart)
      errors["options.sendingWindow.end"] = "The window must close after it opens";
    options.sendingWindow = {
      days: [...draft.windowDays].sort((a, b) => a - b),
      start: draft.windowStart,
      end: draft.windowEnd,
    };
  } else options.sendingWindow = null;
  const drift = Number(draft.driftPercent);
  if (!draft.driftPercent.trim() || !Number.isFinite(drift) || drift < 0 || drift > 100)
    errors["options.driftTolerance"] = "Give a percentage from 0 to 100";
  else options.driftTolerance = drift / 100;
  if (draft.ignoreFrequencyCaps) options.ignoreFrequencyCaps = true;
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value: options };
}

/** The drift tolerance as a percentage for sentences ("10%"). */
export function driftPercentOf(options: CampaignOptions): string {
  return `${percentText(options.driftTolerance ?? 0.1)}%`;
}
