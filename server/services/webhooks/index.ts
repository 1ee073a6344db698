export { receiveDeliveryWebhook, type WebhookRequest, type WebhookResponse } from "./receive-delivery-webhook";
export { receiveInboundWebhook } from "./receive-inbound-webhook";
