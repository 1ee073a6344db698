import { inngest } from "../client";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Every minute: delivers outbound messages that are due and not in flight: retries whose time
 * has come, quiet-hours deferrals, queued messages whose after-commit dispatch was lost, and
 * `sending` rows abandoned by a dead dispatcher (re-sent with the same provider idempotency key).
 * One step; re-reads the rows when it fires (see `sweepDueMessages`).
 */
export const dispatchSweepFunction = inngest.createFunction(
  {
    id: "dispatch-sweep",
    name: "Deliver due and stuck messages",
    retries: 1,
    triggers: [{ cron: "* * * * *" }],
  },
  async ({ step }) => {
    return step.run("sweep", async () => {
      const { db, now } = await getJobContext();
      // Loaded when the sweep runs, not when the functions are listed (the provider SDKs are heavy).
      const [{ sweepDueMessages }, { getOutbox }] = await Promise.all([
        import("@/server/services/messages"),
        import("@/server/wiring"),
      ]);
      return sweepDueMessages({ ctx: { db, now, outbox: getOutbox() } });
    });
  },
);
