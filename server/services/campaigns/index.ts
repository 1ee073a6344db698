export { createCampaign } from "./create-campaign";
export { updateCampaign } from "./update-campaign";
export { getCampaign } from "./get-campaign";
export { listCampaigns } from "./list-campaigns";
export { archiveCampaign } from "./archive-campaign";
export { duplicateCampaign } from "./duplicate-campaign";
export { dryRunCampaign, DRY_RUN_TIMEOUT_MS } from "./dry-run-campaign";
export { testSendCampaign } from "./test-send-campaign";
export { scheduleCampaign, type ScheduledCampaign } from "./schedule-campaign";
export { pauseCampaign } from "./pause-campaign";
export { resumeCampaign } from "./resume-campaign";
export { cancelCampaign } from "./cancel-campaign";
export { sendCampaignToRest } from "./send-campaign-to-rest";
export { sendCampaignToCapSkipped } from "./send-campaign-to-cap-skipped";
export {
  advanceRun,
  deliverRunChunk,
  failRun,
  CHUNK_SIZE,
  runMessageKey,
  type SendingJobContext,
} from "./deliver-run-chunk";
export { freezeRun, type RunStep } from "./freeze-run";
export { runCampaignScheduler } from "./run-scheduler";
export { setCampaignAbTest } from "./set-campaign-ab-test";
export { getAbTestResults } from "./get-ab-test-results";
export { chooseAbVariant } from "./choose-ab-variant";
export { decideDueAbTests } from "./decide-ab-tests";
export { listCampaignRuns } from "./list-campaign-runs";
export { listCampaignRecipients } from "./list-campaign-recipients";
export { getCampaignProgress } from "./get-campaign-progress";
export { getCampaignEngagement } from "./get-campaign-engagement";
export { getCampaignReport } from "./get-campaign-report";
export { compareCampaigns } from "./compare-campaigns";
export {
  exportCampaignReportCsv,
  exportCampaignComparisonCsv,
  REPORT_CSV_SECTIONS,
  type ReportCsvSection,
} from "./export-campaign-report-csv";
export { exportCampaignRecipientsCsv, RECIPIENT_CSV_COLUMNS } from "./export-campaign-recipients-csv";
export { updateCampaignOptions } from "./update-campaign-options";
export { addCampaignAttachment } from "./add-campaign-attachment";
export { listCampaignAttachments } from "./list-campaign-attachments";
export { removeCampaignAttachment } from "./remove-campaign-attachment";
export { getCampaignFile, type CampaignFile } from "./get-campaign-file";
export {
  DEFAULT_SMS_SEGMENT_PRICE,
  MAX_EXCLUSION_SEGMENTS,
  MAX_PREHEADER,
  MAX_TEST_ADDRESSES,
  ZArchiveCampaignInput,
  ZAddCampaignAttachmentInput,
  ZCampaignAttachment,
  ZCampaignAttachmentList,
  ZRemoveCampaignAttachmentInput,
  ZCampaignActionInput,
  ZAbTestResults,
  ZChooseVariantInput,
  ZSetAbTestInput,
  type TAbTestResults,
  ZCampaignProgress,
  ZCampaignEngagement,
  type TCampaignEngagement,
  ZCampaignReportInput,
  ZCampaignReport,
  type TCampaignReport,
  ZCompareCampaignsInput,
  ZCampaignComparison,
  type TCampaignComparison,
  COMPARE_MAX,
  COMPARE_MIN,
  REPORT_HOURS,
  ZCampaignRun,
  ZCampaignRunList,
  ZListRecipientsInput,
  ZRecipientPage,
  ZScheduleCampaignInput,
  ZUpdateCampaignOptionsInput,
  ZCampaign,
  ZCampaignContent,
  ZCampaignList,
  ZCampaignUtm,
  ZCreateCampaignInput,
  ZDryRun,
  ZDryRunCampaignInput,
  ZDuplicateCampaignInput,
  ZGetCampaignInput,
  ZListCampaignsInput,
  ZTestSendCampaignInput,
  ZTestSendResult,
  ZUpdateCampaignInput,
} from "./schemas";
export type {
  TArchiveCampaignInput,
  TAddCampaignAttachmentInput,
  TCampaignAttachment,
  TCampaignAttachmentList,
  TRemoveCampaignAttachmentInput,
  TCampaignActionInput,
  TCampaignProgress,
  TCampaignRun,
  TCampaignRunList,
  TListRecipientsInput,
  TRecipientPage,
  TScheduleCampaignInput,
  TUpdateCampaignOptionsInput,
  TCampaign,
  TCampaignList,
  TCreateCampaignInput,
  TDryRun,
  TDryRunCampaignInput,
  TDuplicateCampaignInput,
  TGetCampaignInput,
  TListCampaignsInput,
  TTestSendCampaignInput,
  TTestSendResult,
  TUpdateCampaignInput,
} from "./schemas";
