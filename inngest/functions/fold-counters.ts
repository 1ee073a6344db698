import { inngest } from "../client";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Every minute: folds the counter deltas the triggers appended into the page counters' totals
 * (see `foldCounterDeltas`), so a read sums few rows. Reads are exact without it; one statement,
 * so a retry or a concurrent run is harmless.
 */
export const foldCountersFunction = inngest.createFunction(
  {
    id: "fold-counters",
    name: "Fold page counter deltas",
    retries: 1,
    triggers: [{ cron: "* * * * *" }],
  },
  async ({ step }) => {
    return step.run("fold", async () => {
      const { db, now } = await getJobContext();
      const { foldCounterDeltas } = await import("@/server/services/counters");
      return foldCounterDeltas({ ctx: { db, now } });
    });
  },
);
