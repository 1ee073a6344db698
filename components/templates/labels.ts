import { TEMPLATE_CATEGORIES, type Channel, type TemplateCategory } from "@/server/shared/enums";

export const CHANNEL_LABELS: Record<Channel, string> = { email: "Email", sms: "SMS" };

export const CATEGORY_LABELS: Record<TemplateCategory, string> = {
  promotional: "Promotional",
  transactional: "Transactional",
  notification: "Notification",
  confirmation: "Confirmation",
  system: "System",
};

/** In the order the pickers show them. */
export const CATEGORY_ORDER: readonly TemplateCategory[] = TEMPLATE_CATEGORIES;

export const CATEGORY_HINTS: Record<TemplateCategory, string> = {
  promotional: "Marketing: needs consent; SMS carry opt-out wording, email the unsubscribe link and postal address.",
  transactional: "Receipts, shipping, account changes the person asked for.",
  notification: "Alerts and reminders about something the person set up.",
  confirmation: "Opt-in and double opt-in confirmations.",
  system: "Automatic replies such as HELP and opt-out confirmations.",
};

export function slugifyKey(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
}
