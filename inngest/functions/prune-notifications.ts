import { pruneNotifications } from "@/server/services/notifications";
import { inngest } from "../client";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Nightly (03:30 UTC): deletes read notifications older than 90 days and every notification
 * older than 180 days, in bounded batches (what one night leaves goes the next). One step; the
 * service is idempotent, so a retry after a crash simply finds fewer rows.
 */
export const pruneNotificationsFunction = inngest.createFunction(
  {
    id: "prune-notifications",
    name: "Prune old notifications",
    retries: 3,
    triggers: [{ cron: "30 3 * * *" }],
  },
  async ({ step }) => {
    return step.run("prune", async () => {
      const { db, now } = await getJobContext();
      return pruneNotifications({ ctx: { db, now } });
    });
  },
);
