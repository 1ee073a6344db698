export { recordTrackingEvent, DEDUPE_WINDOW_SECONDS } from "./record-tracking-event";
export type { RecordTrackingEventInput, RecordTrackingEventResult } from "./record-tracking-event";
export { resolveTrackedLink, type TrackedLinkTarget } from "./resolve-tracked-link";
export { classifyEvent, classifyUserAgent, allLinksClicked, TOO_SOON_SECONDS, ALL_LINKS_SECONDS } from "./classify";
export { rewriteForTracking, isTrackable, shortenedForEstimate } from "./rewrite-links";
export { REPLY_WINDOW_HOURS } from "./attribute-reply";
export { getTrackingSettings } from "./get-tracking-settings";
export { updateTrackingSettings } from "./update-tracking-settings";
export { ZTrackingSettings, ZUpdateTrackingSettingsInput, type TrackingSettings } from "./schemas";
