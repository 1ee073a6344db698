import { expireConfirmations } from "@/server/services/confirmations";
import { inngest } from "../client";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Every hour: closes double opt-in requests past their expiry (48 h links, 15 min codes) and
 * writes the `expired` ledger events that end their pending state. One step; the service is
 * idempotent, so a retry after a crash simply finds fewer rows.
 */
export const expireConfirmationsFunction = inngest.createFunction(
  {
    id: "expire-confirmations",
    name: "Expire unconfirmed double opt-in requests",
    retries: 3,
    triggers: [{ cron: "15 * * * *" }],
  },
  async ({ step }) => {
    return step.run("expire", async () => {
      const { db, now } = await getJobContext();
      return expireConfirmations({ ctx: { db, now } });
    });
  },
);
