import { campaignRunRequested } from "@/inngest/events";
import { sendEvent } from "./send";

/**
 * Starts the jobs of campaign runs (after the transaction that created or resumed them
 * committed). The event id is the run's (`campaign-run-<id>`), so asking twice starts one job; a
 * resume passes its own suffix. If this fails, the campaign scheduler starts them within a minute.
 */
export async function requestCampaignRuns(
  workspaceId: string,
  runIds: readonly string[],
  options: { suffix?: string } = {},
): Promise<void> {
  if (runIds.length === 0) return;
  await sendEvent(
    runIds.map((runId) =>
      campaignRunRequested.create(
        { runId, workspaceId },
        { id: `campaign-run-${runId}${options.suffix ? `-${options.suffix}` : ""}` },
      ),
    ),
  );
}
