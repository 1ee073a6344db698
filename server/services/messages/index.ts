export { browseMessages, ZMessageBrowsePage, type TMessageBrowsePage } from "./browse-messages";
export { deliverMessages, type DeliverySummary } from "./deliver";
export { createEventDispatcher, createInProcessDispatcher } from "./dispatch";
export { fallbackOnFinalFailure } from "./fallback-on-final-failure";
export { getBatchStatus } from "./get-batch-status";
export { getProviderCircuits, type ProviderCircuitView } from "./get-provider-circuits";
export { getMessage, ZGetMessageInput } from "./get-message";
export { getMessageDetail, ZMessageDetail, type TMessageDetail } from "./get-message-detail";
export { getWebVersion, type WebVersion } from "./get-web-version";
export {
  listDeadLetters,
  ZDeadLetter,
  ZDeadLetterPage,
  ZListDeadLettersInput,
  type TDeadLetter,
  type TDeadLetterPage,
  type TListDeadLettersInput,
} from "./list-dead-letters";
export { listMessages, ZMessagePage, type TMessagePage } from "./list-messages";
export {
  listOutbox,
  ZOutboxInput,
  ZOutboxPage,
  type TOutboxInput,
  type TOutboxItem,
  type TOutboxPage,
} from "./list-outbox";
export { ZListMessagesInput, type TListMessagesInput } from "./message-filters";
export { ZMessage, type TMessage } from "./message-view";
export {
  createOutbox,
  type DeliveryDeps,
  type Dispatcher,
  type FinalFailureHandler,
  type Outbox,
  type QueuedMessage,
  type Transports,
} from "./outbox";
export { resendMessage } from "./resend-message";
export { retryMessage } from "./retry-message";
export {
  ZBatchStatus,
  ZBatchStatusInput,
  ZIdempotencyKey,
  ZResendMessageInput,
  ZRetryMessageInput,
  ZSendBatchInput,
  ZSendBatchResult,
  ZSendResult,
  ZSendWithConsentInput,
  type TBatchStatus,
  type TSendBatchInput,
  type TSendBatchResult,
  type TSendResult,
  type TSendWithConsentInput,
} from "./schemas";
export { sendBatch } from "./send-batch";
export { sendWithConsent } from "./send-with-consent";
export { sweepDueMessages } from "./sweep-due-messages";
