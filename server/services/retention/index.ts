export { getRetentionSettings } from "./get-retention-settings";
export { updateRetentionSettings } from "./update-retention-settings";
export {
  purgeRetention,
  PURGE_BATCH_SIZE,
  PURGE_MAX_BATCHES,
  type PurgeRetentionInput,
  type PurgeRetentionResult,
  type RetentionCounts,
  type WorkspacePurge,
} from "./purge-retention";
export { ZRetentionSettings, ZUpdateRetentionSettingsInput, type RetentionSettings } from "./schemas";
