import { inngest } from "../client";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Every 15 minutes: emails the scheduled reports whose next send has come, each as a PDF to its
 * chosen members through the outbox, and moves each schedule to its next occurrence (see
 * `sendDueReports`). A retried run records no email twice (keyed by schedule and occurrence).
 */
export const sendScheduledReportsFunction = inngest.createFunction(
  {
    id: "send-scheduled-reports",
    name: "Send due scheduled reports",
    retries: 2,
    triggers: [{ cron: "*/15 * * * *" }],
  },
  async ({ step }) =>
    step.run("send", async () => {
      const { db, now } = await getJobContext();
      const [{ sendDueReports }, { getOutbox }] = await Promise.all([
        import("@/server/services/reports"),
        import("@/server/wiring"),
      ]);
      return sendDueReports({ ctx: { db, now, outbox: getOutbox() } });
    }),
);
