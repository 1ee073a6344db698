import { inngest } from "../client";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Every 5 minutes (and once at start-up, from server/boot.ts): imports left `running` by a process
 * that died (no heartbeat for 2 minutes) resume from their last committed line when their file is
 * stored here, or are marked `failed` with their counts. One step; a second process recovering
 * the same import loses the fenced claim and does nothing (see `recoverInterruptedImports`).
 */
export const recoverImportsFunction = inngest.createFunction(
  {
    id: "recover-imports",
    name: "Resume or fail interrupted imports",
    retries: 1,
    triggers: [{ cron: "*/5 * * * *" }],
  },
  async ({ step }) => {
    return step.run("recover", async () => {
      const ctx = await getJobContext();
      const { recoverInterruptedImports } = await import("@/server/services/imports");
      return recoverInterruptedImports({ ctx });
    });
  },
);
