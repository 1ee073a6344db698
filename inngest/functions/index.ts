import { campaignRunFunction } from "./campaign-run";
import { campaignSchedulerFunction } from "./campaign-scheduler";
import { dispatchMessageFunction } from "./dispatch-message";
import { dispatchSweepFunction } from "./dispatch-sweep";
import { foldCountersFunction } from "./fold-counters";
import { expireConfirmationsFunction } from "./expire-confirmations";
import { purgeExpiredTokensFunction } from "./purge-expired-tokens";
import { purgeRetentionFunction } from "./purge-retention";
import { recoverImportsFunction } from "./recover-imports";
import { reencryptPiiFunction } from "./reencrypt-pii";
import { rollupAnalyticsFunction } from "./rollup-analytics";
import { sendScheduledReportsFunction } from "./send-scheduled-reports";
import { webhookDrainFunction } from "./webhook-drain";

/**
 * Every Inngest function of the app: served by `/api/inngest` with an Inngest server and run by
 * the in-process runner without one. Add new functions here (one file each).
 */
export const functions = [
  purgeExpiredTokensFunction,
  reencryptPiiFunction,
  expireConfirmationsFunction,
  dispatchMessageFunction,
  dispatchSweepFunction,
  recoverImportsFunction,
  campaignRunFunction,
  campaignSchedulerFunction,
  purgeRetentionFunction,
  rollupAnalyticsFunction,
  sendScheduledReportsFunction,
  webhookDrainFunction,
  foldCountersFunction,
];
