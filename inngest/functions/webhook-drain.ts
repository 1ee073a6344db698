import { inngest } from "../client";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * Every minute: applies the stored delivery webhook events the in-process drain has not applied
 * (a crash between acknowledgement and application, events stored by another instance, an event
 * whose message was recorded after the drain looked). One step; claims with `SKIP LOCKED`, so it
 * runs safely beside the drain loop of every instance (see `drainWebhookEvents`); skipped when this
 * process's loop is draining at that moment (it takes every applicable event itself).
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
      const [{ drainWebhookEvents, webhookDrainActive }, { getOutbox }] = await Promise.all([
        import("@/server/services/webhooks"),
        import("@/server/wiring"),
      ]);
      // This process's loop is draining already (everything applicable, not only its own events).
      if (webhookDrainActive()) return { applied: 0, failed: 0, skipped: true };
      return { ...(await drainWebhookEvents({ ctx: { db, now, outbox: getOutbox() } })), skipped: false };
    });
  },
);
