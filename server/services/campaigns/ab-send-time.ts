import type { CampaignAbSendTime, CampaignAbTest, CampaignAbVariant, CampaignSchedule } from "@/db/schema";
import type { BestHourSchedule } from "./best-hour";

/**
 * Send-time A/B tests: two variants with the same message, one sent at the test run's time
 * (`fixed`), one at each recipient's best hour (`best_hour`, the model of
 * server/shared/send-time.ts over a window from the test run's start). The freeze gives the
 * best-hour variant's recipients their hour in the same statement as everyone else's row; the
 * decision waits for the best-hour window to end before counting the wait; the remainder goes
 * out with the winner's timing.
 */

type BestHourSendTime = Extract<CampaignAbSendTime, { mode: "best_hour" }>;

/** The best-hour variant of a send-time test (null: not a send-time test). */
export function bestHourVariant(
  test: CampaignAbTest | null | undefined,
): (CampaignAbVariant & { sendTime: BestHourSendTime }) | null {
  const found = test?.variants.find((v) => v.sendTime?.mode === "best_hour");
  return found ? (found as CampaignAbVariant & { sendTime: BestHourSendTime }) : null;
}

/** Whether the test's variants differ by send time. */
export function isSendTimeTest(test: CampaignAbTest | null | undefined): boolean {
  return Boolean(test?.variants.some((v) => v.sendTime));
}

/** Hours after the test run's start until its last variant is sent: the best-hour window, else 0. */
export function sendWindowHours(test: CampaignAbTest | null | undefined): number {
  return bestHourVariant(test)?.sendTime.windowHours ?? 0;
}

/** The best-hour schedule of a variant whose window starts at `start`, read in `timezone`. */
export function bestHourScheduleOf(sendTime: BestHourSendTime, start: Date, timezone: string): BestHourSchedule {
  return {
    type: "best_hour",
    windowStart: start.toISOString(),
    windowHours: sendTime.windowHours,
    fallbackHour: sendTime.fallbackHour,
    timezone,
  };
}

/**
 * The schedule of the remainder run that sends `winner` from `now`: at each recipient's best hour
 * when the winner of a send-time test is the best-hour variant, else at once.
 */
export function remainderSchedule(test: CampaignAbTest, winner: string, now: Date, timezone: string): CampaignSchedule {
  const best = bestHourVariant(test);
  return best && best.key === winner ? bestHourScheduleOf(best.sendTime, now, timezone) : { type: "now" };
}
