import { inngest } from "../client";
import { messageDispatchRequested } from "../events";
import { getJobContext } from "@/server/jobs/runner/context";

/**
 * With an Inngest server: delivers one message after the pipeline committed it (the outbox's
 * event dispatcher, chosen at start-up in `server/wiring.ts`, sends one event per message, event
 * id `dispatch-<messageId>`). One step; the delivery claims the row atomically, so a retried step
 * or a concurrent sweep never sends twice, and provider calls carry the message id as idempotency
 * key. Provider retries are the outbox's own (back to `queued` with a time, picked up by
 * `dispatch-sweep`), not Inngest's.
 */
export const dispatchMessageFunction = inngest.createFunction(
  {
    id: "dispatch-message",
    name: "Deliver a message",
    retries: 2,
    triggers: [messageDispatchRequested],
  },
  async ({ event, step }) => {
    return step.run("deliver", async () => {
      const { db, now } = await getJobContext();
      // Loaded when a message is delivered, not when the functions are listed (the provider SDKs are heavy).
      const [{ deliverMessages }, { getOutbox }] = await Promise.all([
        import("@/server/services/messages"),
        import("@/server/wiring"),
      ]);
      return deliverMessages({ ctx: { db, now, outbox: getOutbox() }, input: { messageIds: [event.data.messageId] } });
    });
  },
);
