import { ZTrackingSettings } from "@/server/shared/tracking-settings";

export { ZTrackingSettings, type TrackingSettings } from "@/server/shared/tracking-settings";

export const ZUpdateTrackingSettingsInput = ZTrackingSettings;
