export { getMessagingSettings } from "./get-messaging-settings";
export { updateMessagingSettings, ZUpdateMessagingSettingsInput } from "./update-messaging-settings";
export type { TUpdateMessagingSettingsInput } from "./update-messaging-settings";
export { ZMessagingSettings } from "@/server/shared/messaging-settings";
export type { MessagingSettings } from "./types";
export { getSmsPricing } from "./get-sms-pricing";
export { updateSmsPricing, ZUpdateSmsPricingInput } from "./update-sms-pricing";
export type { TUpdateSmsPricingInput } from "./update-sms-pricing";
export { ZSmsPricing } from "@/server/shared/sms-pricing";
