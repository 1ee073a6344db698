import { inngest } from "../client";
import { campaignRunRequested } from "../events";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Every minute: creates the runs of recurring campaigns as their occurrences come, starts the
 * jobs of runs that are due (a no-op for a run whose job is alive: the event id is the run's),
 * rescues runs whose job stopped making progress, and completes runs whose last messages have
 * left (see `runCampaignScheduler`).
 */
export const campaignSchedulerFunction = inngest.createFunction(
  {
    id: "campaign-scheduler",
    name: "Start due campaign runs",
    retries: 1,
    triggers: [{ cron: "* * * * *" }],
  },
  async ({ step }) => {
    const result = await step.run("schedule", async () => {
      const { db, now } = await getJobContext();
      const { runCampaignScheduler } = await import("@/server/services/campaigns");
      return runCampaignScheduler({ ctx: { db, now } });
    });
    if (result.due.length > 0)
      await step.sendEvent(
        "start-runs",
        result.due.map((run) =>
          campaignRunRequested.create({ runId: run.runId, workspaceId: run.workspaceId }, { id: run.eventId }),
        ),
      );
    return { occurrences: result.occurrences.length, due: result.due.length, completed: result.completed };
  },
);
