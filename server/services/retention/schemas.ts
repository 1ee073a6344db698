import { ZRetentionSettings } from "@/server/shared/retention-settings";

export { ZRetentionSettings, type RetentionSettings } from "@/server/shared/retention-settings";

/** The whole set of windows; a field left out takes its default. */
export const ZUpdateRetentionSettingsInput = ZRetentionSettings;
