import { inngest } from "../client";
import { campaignRunRequested } from "../events";
import { getJobContext } from "@/server/jobs/runner/context";

/** Steps per job before it hands over to a continuation (Inngest caps a function's steps). */
const MAX_STEPS = 400;

/**
 * Sends one campaign run: the freeze of its audience when its time comes, then one step per
 * chunk of recipients (CHUNK_SIZE: about 1,000 steps for a million recipients), sleeping where
 * the run has to wait (its start, a recipient zone's local time, the sending window, pacing).
 * Every step re-reads the run, so pause, cancel and reschedule take effect within one chunk; a
 * retried step is harmless (the run's lock and the per-recipient message keys). Events carry the
 * run id only, never recipient data. Rate limits are not Inngest's: they belong to the sender and
 * are applied at the delivery step, shared by every path that sends.
 */
export const campaignRunFunction = inngest.createFunction(
  {
    id: "campaign-run",
    name: "Send a campaign run",
    retries: 3,
    triggers: [campaignRunRequested],
    concurrency: [{ key: "event.data.runId", limit: 1 }],
    // Retries spent: the run ends `failed` (what it never sent can go out with "send to the rest").
    onFailure: async ({ event, step }) => {
      await step.run("mark-failed", async () => {
        const { db, now } = await getJobContext();
        const { failRun } = await import("@/server/services/campaigns");
        return failRun({
          ctx: { db, now },
          input: { runId: event.data.event.data.runId, error: event.data.error.name ?? "Error" },
        });
      });
    },
  },
  async ({ event, step }) => {
    const runId = event.data.runId;
    const advance = (id: string) =>
      step.run(id, async () => {
        const { db, now } = await getJobContext();
        // Loaded when a run advances, not when the functions are listed (the provider SDKs are heavy).
        const [{ advanceRun }, { getOutbox }] = await Promise.all([
          import("@/server/services/campaigns"),
          import("@/server/wiring"),
        ]);
        return advanceRun({ ctx: { db, now, outbox: getOutbox() }, input: { runId } });
      });

    let next = await advance("advance-0");
    for (let i = 1; i < MAX_STEPS; i++) {
      if (next.state === "done") return next;
      if (next.state === "wait") await step.sleepUntil(`wait-${i}`, new Date(next.until));
      next = await advance(`advance-${i}`);
    }
    if (next.state === "done") return next;
    await step.sendEvent(
      "continue",
      campaignRunRequested.create(
        { runId, workspaceId: event.data.workspaceId },
        { id: `campaign-run-${runId}-after-${event.id ?? "start"}` },
      ),
    );
    return { state: "continued" as const };
  },
);
