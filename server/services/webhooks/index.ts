export { receiveDeliveryWebhook, type WebhookRequest, type WebhookResponse } from "./receive-delivery-webhook";
export { receiveInboundWebhook } from "./receive-inbound-webhook";
export { drainWebhookEvents, drainWebhookEventsBatch, WEBHOOK_DRAIN_BATCH } from "./drain-webhook-events";
export { wakeWebhookDrain, webhookDrainActive, webhookDrainIdle } from "./webhook-drain-loop";
export {
  bufferedWebhookRequest,
  bufferWebhookCall,
  MAX_WEBHOOK_BODY_BYTES,
  type BufferedWebhookCall,
} from "./buffered-webhook-call";
