import { rollupTrailingDays } from "@/server/services/analytics";
import { inngest } from "../client";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Nightly (02:15 UTC): recomputes the analytics roll-up for the last 7 days up to yesterday in
 * each workspace's zone (late bounces, complaints and consent recorded with a past date change
 * past days). One step; the service deletes and re-inserts whole days, so a retry is harmless.
 */
export const rollupAnalyticsFunction = inngest.createFunction(
  {
    id: "rollup-analytics",
    name: "Roll up analytics per day",
    retries: 3,
    triggers: [{ cron: "15 2 * * *" }],
  },
  async ({ step }) => {
    return step.run("rollup", async () => {
      const { db, now } = await getJobContext();
      return rollupTrailingDays({ ctx: { db, now } });
    });
  },
);
