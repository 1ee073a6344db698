import { formatDay, shiftDay, todayIn } from "@/server/shared/analytics";
import type { ScheduledReportRange } from "@/server/shared/enums";
import { toLocal } from "@/server/shared/local-time";

/**
 * The days a scheduled dashboard report covers when sent at `at`, in the workspace's zone: the 7
 * or 30 days ending yesterday (today is not over), or the previous calendar month.
 */
export function reportRangeDays(range: ScheduledReportRange, at: Date, timeZone: string): { from: string; to: string } {
  const today = todayIn(at, timeZone);
  if (range === "previous_month") {
    const local = toLocal(at, timeZone);
    const firstOfThisMonth = formatDay({ year: local.year, month: local.month, day: 1 });
    const to = shiftDay(firstOfThisMonth, -1);
    return { from: `${to.slice(0, 8)}01`, to };
  }
  const days = range === "last_30_days" ? 30 : 7;
  return { from: shiftDay(today, -days), to: shiftDay(today, -1) };
}
