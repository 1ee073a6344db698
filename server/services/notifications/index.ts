export { countUnreadNotifications } from "./count-unread-notifications";
export { getNotificationPreferences } from "./get-notification-preferences";
export { listNotifications } from "./list-notifications";
export { markAllNotificationsRead } from "./mark-all-notifications-read";
export { markNotificationsRead } from "./mark-notifications-read";
export { notify, type NotifyContext, type NotifyResult } from "./notify";
export { notifyWebhookFailures, ZNotifyWebhookFailuresInput } from "./notify-webhook-failures";
export { updateNotificationPreferences } from "./update-notification-preferences";
export * from "./schemas";
