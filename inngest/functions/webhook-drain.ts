import { inngest } from "../client";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Every minute: applies the stored delivery webhook events the in-process drain has not applied
 * (a crash between acknowledgement and application, events stored by another instance, an event
 * whose message was recorded after the drain looked). One step; claims with `SKIP LOCKED`, so it
 * runs safely beside the drain loop of every instance (see `drainWebhookEvents`).
 */
export const webhookDrainFunction = inngest.createFunction(
  {
    id: "webhook-drain",
    name: "Apply stored webhook events",
    retries: 1,
    triggers: [{ cron: "* * * * *" }],
  },
  async ({ step }) => {
    return step.run("drain", async () => {
      const { db, now } = await getJobContext();
      const [{ drainWebhookEvents }, { getOutbox }] = await Promise.all([
        import("@/server/services/webhooks"),
        import("@/server/wiring"),
      ]);
      return drainWebhookEvents({ ctx: { db, now, outbox: getOutbox() } });
    });
  },
);
