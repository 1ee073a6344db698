export { exportAnalyticsCsv } from "./export-analytics-csv";
export { getBestSendHour } from "./get-best-send-hour";
export { getConsentTrend, getConsentTrendLive } from "./get-consent-trend";
export { getDeliveryStats, getDeliveryStatsLive } from "./get-delivery-stats";
export { getTopForms } from "./get-top-forms";
export {
  ZAnalyticsInput,
  ZBestSendHour,
  ZConsentTrend,
  ZDeliveryStats,
  ZTopForms,
  type TAnalyticsInput,
  type TBestSendHour,
  type TConsentTrend,
  type TDeliveryStats,
  type TTopForms,
} from "./schemas";
export {
  rollupAnalyticsDays,
  rollupTrailingDays,
  ROLLUP_MAX_DAYS,
  ROLLUP_TRAILING_DAYS,
  type RollupAnalyticsDaysResult,
} from "./rollup-analytics-days";
