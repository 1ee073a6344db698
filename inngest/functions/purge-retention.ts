import { purgeRetention } from "@/server/services/retention";
import { inngest } from "../client";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Nightly (03:45 UTC): removes what is past each workspace's retention settings (message bodies,
 * messages, webhook events, import reports and files, notifications, the oldest audit entries,
 * erased contacts' leftover evidence) in bounded batches; what one night leaves goes the next.
 * One step; the service is idempotent, so a retry after a crash simply finds fewer rows.
 */
export const purgeRetentionFunction = inngest.createFunction(
  {
    id: "purge-retention",
    name: "Purge data past retention",
    retries: 3,
    triggers: [{ cron: "45 3 * * *" }],
  },
  async ({ step }) => {
    return step.run("purge", async () => {
      const { db, now } = await getJobContext();
      const result = await purgeRetention({ ctx: { db, now } });
      // The run's output stays small: totals only (the audit log has each workspace's counts).
      return { workspaces: result.workspaces, removed: result.removed, more: result.more };
    });
  },
);
