import { formatClock } from "@/server/shared/local-time";
import { listStateRules, type DayWindow, type StateRule } from "@/server/shared/state-rules";

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const range = (window: NonNullable<DayWindow>) => `${formatClock(window.start)}–${formatClock(window.end)}`;
const same = (a: DayWindow, b: DayWindow) =>
  a === null ? b === null : b !== null && a.start === b.start && a.end === b.end;

/** "08:00–20:00", "09:00–21:00, Sunday 12:00–21:00", "Mon–Fri 09:00–18:00, Saturday 10:00–17:00, never on Sunday". */
export function describeStateWindows(rule: StateRule): string {
  const [sunday, monday, ...rest] = rule.windows;
  const saturday = rule.windows[6] ?? null;
  const weekdaysSame = [monday, ...rest.slice(0, 4)].every((window) => same(window ?? null, monday ?? null));
  const parts: string[] = [];
  if (weekdaysSame && monday && same(saturday, monday)) {
    parts.push(range(monday));
  } else if (weekdaysSame && monday) {
    parts.push(`Mon–Fri ${range(monday)}`, saturday ? `Saturday ${range(saturday)}` : "never on Saturday");
  } else {
    rule.windows
      .slice(1)
      .forEach((window, index) => parts.push(`${DAY_NAMES[index + 1]} ${window ? range(window) : "closed"}`));
  }
  if (sunday === null) parts.push("never on Sunday");
  else if (sunday && monday && !same(sunday, monday)) parts.push(`Sunday ${range(sunday)}`);
  return parts.join(", ");
}

/** The state rules, each as one line for the settings page. */
export function stateRuleLines(): { region: string; label: string; text: string }[] {
  return listStateRules().map((rule) => ({
    region: rule.region,
    label: rule.label,
    text: `${describeStateWindows(rule)}${rule.maxPerTopicPer24h ? `; at most ${rule.maxPerTopicPer24h} texts per topic per 24 h` : ""}`,
  }));
}

/** Every IANA zone this runtime knows, plus UTC and `current` (kept even when it is an alias), sorted. */
export function timeZoneOptions(current: string): string[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const all = new Set([...zones, "UTC"]);
  if (current) all.add(current);
  return [...all].sort((a, b) => a.localeCompare(b));
}

/** The current wall-clock time in a zone ("14:05"), or null for a zone the browser rejects. */
export function clockIn(timeZone: string, now: Date): string | null {
  try {
    return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
      now,
    );
  } catch {
    return null;
  }
}
