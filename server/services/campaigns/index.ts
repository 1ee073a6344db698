export { createCampaign } from "./create-campaign";
export { updateCampaign } from "./update-campaign";
export { getCampaign } from "./get-campaign";
export { listCampaigns } from "./list-campaigns";
export { archiveCampaign } from "./archive-campaign";
export { duplicateCampaign } from "./duplicate-campaign";
export { dryRunCampaign, DRY_RUN_TIMEOUT_MS } from "./dry-run-campaign";
export { testSendCampaign } from "./test-send-campaign";
export {
  DEFAULT_SMS_SEGMENT_PRICE,
  MAX_EXCLUSION_SEGMENTS,
  MAX_TEST_ADDRESSES,
  ZArchiveCampaignInput,
  ZCampaign,
  ZCampaignContent,
  ZCampaignList,
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
