import { WEBHOOK_FAILURE_THRESHOLD } from "@/server/shared/notifications";
import { notify, type NotifyContext, type NotifyResult } from "./notify";
import { z } from "zod";

export const ZNotifyWebhookFailuresInput = z.object({
  workspaceId: z.uuid(),
  endpointId: z.string().trim().min(1).max(100),
  /** The endpoint's name or host, never its full URL (a query string may carry a secret). */
  endpointLabel: z.string().trim().min(1).max(200),
  /** Failed deliveries in a row, counting the one just recorded. */
  consecutiveFailures: z.number().int().min(0),
  /** Where the endpoint is managed in the app, if anywhere. */
  link: z.string().nullable().default(null),
});
export type TNotifyWebhookFailuresInput = z.input<typeof ZNotifyWebhookFailuresInput>;

/**
 * For the delivery of outgoing webhooks to call after each failed attempt: once an endpoint's
 * consecutive failures reach WEBHOOK_FAILURE_THRESHOLD, its members are notified
 * (`webhook_failing`), once per endpoint and UTC day (dedupe key
 * `webhook-endpoint:<id>:failing:<yyyy-mm-dd>`), however many failures follow. Below the
 * threshold it does nothing and answers null.
 */
export async function notifyWebhookFailures({
  ctx,
  input,
}: {
  ctx: NotifyContext;
  input: TNotifyWebhookFailuresInput;
}): Promise<NotifyResult | null> {
  const { workspaceId, endpointId, endpointLabel, consecutiveFailures, link } =
    ZNotifyWebhookFailuresInput.parse(input);
  if (consecutiveFailures < WEBHOOK_FAILURE_THRESHOLD) return null;
  const day = ctx.now().toISOString().slice(0, 10);
  return notify({
    ctx,
    input: {
      workspaceId,
      kind: "webhook_failing",
      title: `Webhook endpoint "${endpointLabel}" is failing`,
      body: `${consecutiveFailures} deliveries in a row failed. Check that the endpoint is up and answers 2xx.`,
      link,
      data: { endpointId, consecutiveFailures },
      dedupeKey: `webhook-endpoint:${endpointId}:failing:${day}`,
    },
  });
}
